"""Factories for the shared models. Areas go through ``area_create`` so their paths are real."""

import factory

from yishi.accounts.models import Person, RoleGrant, User
from yishi.areas.models import Area, Level, Unit, UnitKind
from yishi.areas.services import area_create

CHILD_LEVEL = {
    None: Level.DISTRICT,
    Level.PROVINCE: Level.CITY,
    Level.CITY: Level.DISTRICT,
    Level.DISTRICT: Level.STREET,
    Level.STREET: Level.COMMUNITY,
    Level.COMMUNITY: Level.GRID,
    Level.GRID: Level.BUILDING,
}


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    parent = None
    name = factory.Sequence(lambda n: f"区域{n}")
    level = factory.LazyAttribute(lambda o: CHILD_LEVEL[o.parent.level if o.parent else None])
    code = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return area_create(actor=None, **kwargs)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = UnitKind.DEPARTMENT


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"张{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    home_area = factory.SubFactory(AreaFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    person = factory.SubFactory(PersonFactory)
    password = factory.PostGenerationMethodCall("set_password", "yishi-demo")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    person = factory.SubFactory(PersonFactory)
    role = "community_staff"
    area = factory.LazyAttribute(lambda o: o.person.home_area)


def user_with_role(role: str, area: Area, *, unit: Unit | None = None, **user_kwargs) -> User:
    """A user whose person lives in ``area`` and holds ``role`` on it."""
    person = PersonFactory(home_area=area, unit=unit, is_party_member=(role == "party_member"))
    user = UserFactory(person=person, **user_kwargs)
    RoleGrantFactory(person=person, role=role, area=area, unit=unit)
    return user
