"""What every page's shell needs: unread notifications, the user's roles, the large-text switch."""

from yishi.core import permissions


def shell(request):
    user = getattr(request, "user", None)
    context = {"large_text": getattr(request, "large_text", False), "unread_count": 0, "my_roles": []}
    if user is not None and user.is_authenticated:
        from yishi.notifications.selectors import unread_count

        context["unread_count"] = unread_count(user=user)
        context["my_grants"] = permissions.active_grants(user)
        context["my_roles"] = sorted(permissions.roles_of(user))
    return context
