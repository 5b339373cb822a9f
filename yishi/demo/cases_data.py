"""P1 demo data: the case categories with their routes, the seed's cases, and a year of generated cases.

Every case goes through ``yishi.cases.services`` (numbers, deadlines, audit events and notifications are
real). To give the cases a history — submitted last spring, accepted the next morning, rated a week after
the reply — each service call runs under ``frozen_clock(when)``, a test-data helper that makes
``django.utils.timezone.now`` return ``when`` for the duration of the call. The audit chain stays valid:
events are appended in order and hashed as usual; only their timestamps are the story's.

Idempotent: categories and routes are matched by key and (category, area); a case is skipped when a case
with the same title already exists in the same area. The generated cases come from a seeded random
generator, so the same titles come out on every run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.utils import timezone

from yishi.accounts.models import Person, User
from yishi.areas.models import Area, Unit
from yishi.areas.services import unit_create
from yishi.cases import services
from yishi.cases.models import Case, CasePart, Category, CategoryRoute

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@contextmanager
def frozen_clock(when: dt.datetime) -> Iterator[None]:
    """Test-data helper: ``timezone.now()`` returns ``when`` inside the block (services, audit, auto_now).

    For demo and test data only — it lets a case's later steps happen at their story's time while still
    going through the services.
    """
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


# ---------------------------------------------------------------- categories and routes


@dataclass(frozen=True)
class CategorySpec:
    key: str
    name: str
    keywords: str = ""
    children: tuple[CategorySpec, ...] = ()


def C(key: str, name: str, keywords: str = "", *children: CategorySpec) -> CategorySpec:
    return CategorySpec(key, name, keywords, tuple(children))


# fmt: off
CATEGORY_TREE: tuple[CategorySpec, ...] = (
    C("environment", "环境卫生", "卫生 环境 脏乱",
        C("garbage", "垃圾清理", "垃圾 垃圾桶 清运 异味 卫生死角"),
        C("noise", "噪声扰民", "噪音 噪声 喇叭 广场舞 施工 扰民 吵"),
        C("corridor-clutter", "楼道堆物", "楼道 堆物 杂物 堵塞 消防通道 煤房子"),
    ),
    C("municipal", "市政设施", "市政 设施",
        C("roads", "道路", "道路 路面 坑洼 破损 井盖 柏油"),
        C("streetlights", "路灯", "路灯 照明 不亮 黑"),
        C("parking", "停车", "停车 车位 乱停 占道 堵车"),
    ),
    C("housing", "房屋安全", "房屋 安全",
        C("unsafe-wall", "危墙", "墙体 裂缝 危墙 倒塌 开裂"),
        C("drains", "下水", "下水 下水道 堵塞 污水 漏水 化粪池"),
    ),
    C("heating", "供暖", "暖气 供暖 不热 温度 供热"),
    C("property", "物业管理", "物业 物业费 保洁 电梯 门禁"),
    C("assistance", "社会救助", "救助 困难",
        C("education-aid", "助学", "学费 上学 助学 贫困学生 大学"),
        C("hardship", "困难帮扶", "低保 困难 帮扶 残疾 孤寡 独居"),
    ),
    C("epidemic", "疫情防控", "疫情 防控",
        C("epidemic-supplies", "防疫物资", "消毒液 口罩 防疫物资 消杀"),
    ),
    C("disputes", "矛盾纠纷", "纠纷 矛盾 调解",
        C("neighbour-disputes", "邻里纠纷", "邻居 邻里 漏水 噪音 纠纷 吵架"),
        C("family-disputes", "家庭纠纷", "家庭 赡养 婚姻 继承"),
    ),
)
# fmt: on

# (category key, area name, level, unit name): the default handling of a category in an area's subtree.
ROUTES = (
    ("parking", "利通区", "street", ""),
    ("parking", "兴庆区", "street", ""),
    ("roads", "兴庆区", "street", ""),
    ("heating", "利通区", "unit", "利通区供热公司"),
    ("unsafe-wall", "裕西社区", "community", ""),
    ("neighbour-disputes", "裕西社区", "community", ""),
)

# Units the case stories need besides those of the foundation demo data: (area, name, kind).
EXTRA_UNITS = (("利通区", "利通区供热公司", "enterprise"),)


def _load_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}

    def walk(specs, parent):
        for order, spec in enumerate(specs):
            category = Category.objects.filter(key=spec.key).first()
            if category is None:
                category = Category.objects.create(
                    key=spec.key, name=spec.name, keywords=spec.keywords, parent=parent, order=order
                )
            categories[spec.key] = category
            walk(spec.children, category)

    walk(CATEGORY_TREE, None)
    return categories


def _load_routes(categories, areas, units) -> None:
    for key, area_name, level, unit_name in ROUTES:
        CategoryRoute.objects.get_or_create(
            category=categories[key],
            area=areas[area_name],
            defaults={"level": level, "unit": units.get(unit_name)},
        )


# ---------------------------------------------------------------- the seed's cases


class Story:
    """Runs one case's steps through the services, each at its own time."""

    def __init__(self, ctx: Context, start: dt.datetime):
        self.ctx, self.at = ctx, start
        self.case: Case | None = None

    def step(self, after: dt.timedelta, call, **kwargs):
        self.at += after
        with frozen_clock(self.at):
            result = call(**kwargs)
        if isinstance(result, Case):
            self.case = result
        return result

    def submit(self, **kwargs) -> Case:
        with frozen_clock(self.at):
            self.case = services.case_submit(submitted_at=self.at, **kwargs)
        return self.case

    def fresh(self) -> Case:
        self.case = Case.objects.get(pk=self.case.pk)
        return self.case


@dataclass
class Context:
    areas: dict[str, Area]
    units: dict[str, Unit]
    categories: dict[str, Category]
    now: dt.datetime
    users: dict[str, User] = field(default_factory=dict)

    def user(self, username: str) -> User:
        if username not in self.users:
            self.users[username] = User.objects.select_related("person").get(username=username)
        return self.users[username]

    def person(self, phone: str) -> Person | None:
        return Person.objects.filter(phone=phone).first()


def _exists(title: str, area: Area) -> bool:
    return Case.objects.filter(title=title, area=area).exists()


def _wall_crack(ctx: Context) -> None:
    title = "古城卫生院与古城巷5号楼之间墙体开裂"
    area = ctx.areas["古城巷5号楼"]
    if _exists(title, area):
        return
    s = Story(ctx, ctx.now - 62 * DAY)
    grid, staff = ctx.user("yuxi-grid1"), ctx.user("wangli")
    s.submit(
        actor=grid,
        area=area,
        category=ctx.categories["unsafe-wall"],
        title=title,
        text="网格员入户走访时发现，古城卫生院与古城巷5号楼之间的隔墙出现多道裂缝，最宽处约2厘米，"
        "雨后有渗水，楼内居民担心墙体倒塌，希望尽快排查修缮。",
        channel="grid_report",
        reporter=ctx.person("13900000002"),
        reporter_name="王福贵",
        reporter_phone="13900000002",
        address="古城巷5号楼东侧",
        parties="古城卫生院、裕西物业服务有限公司、古城巷5号楼居民",
    )
    s.step(3 * HOUR, services.case_accept, actor=staff, case=s.case, note="安全隐患，优先办理")
    s.step(HOUR, services.case_contact, actor=staff, case=s.case, note="已联系王福贵，约定现场查看")
    meeting = s.step(
        2 * HOUR,
        services.case_joint,
        actor=staff,
        case=s.case,
        scheduled_at=s.at + DAY,
        location="裕西社区议事厅",
        participants=[
            (None, ctx.units["裕西社区党支部"], "社区党组织"),
            (None, ctx.units["裕西社区居民委员会"], "社区居委会"),
            (None, ctx.units["裕西物业服务有限公司"], "物业服务企业"),
            (ctx.person("13800000014"), None, "居民代表、调解员"),
            (None, ctx.units["古城卫生院"], "辖区单位"),
        ],
    )
    s.fresh()
    s.step(
        DAY,
        services.case_joint_record,
        actor=staff,
        case=s.case,
        meeting=meeting,
        minutes="社区党支部、居委会、物业公司、居民代表戈兆忠和古城卫生院五方现场查看墙体，协商分工。",
        outcome="古城卫生院出资修缮加固隔墙，物业公司协助清运和疏通排水，社区监督施工进度。",
    )
    s.step(
        8 * DAY,
        services.case_resolve,
        actor=staff,
        case=s.case,
        result="经五方协商联合办：古城卫生院出资对隔墙进行加固修缮，裕西物业服务有限公司协助清运建筑垃圾、"
        "疏通墙根排水，社区全程监督，隐患已消除。",
    )
    s.step(
        DAY,
        services.case_reply,
        actor=staff,
        case=s.case,
        channel="in_person",
        text="墙体已由古城卫生院修缮加固，物业公司协助完成排水疏通，请您查看。",
    )
    s.step(
        2 * DAY,
        services.case_rate,
        case=s.fresh(),
        source_case=s.case,
        value="satisfied",
        comment="修得很结实，谢谢社区",
    )


def _loudspeaker(ctx: Context) -> None:
    title = "临街商铺大喇叭循环播放广告扰民"
    area = ctx.areas["裕西花园1号楼"]
    if _exists(title, area):
        return
    s = Story(ctx, ctx.now - 40 * DAY)
    staff = ctx.user("wangli")
    s.submit(
        actor=ctx.user("yuxi-grid2"),
        area=area,
        category=ctx.categories["noise"],
        title=title,
        text="裕西花园1号楼底商一家店铺门口的大喇叭从早上八点循环播放促销广告到晚上十点，楼上居民休息受影响。",
        channel="grid_report",
        reporter=ctx.person("13900000004"),
        reporter_name="张淑芬",
        reporter_phone="13900000004",
        parties="临街商铺店主、裕西花园1号楼居民",
    )
    s.step(2 * HOUR, services.case_accept, actor=staff, case=s.case)
    s.step(
        HOUR,
        services.case_refer_mediation,
        actor=staff,
        case=s.case,
        note="商户与居民之间的纠纷，由调解员上门调解",
    )
    s.step(DAY, services.case_contact, actor=staff, case=s.case, note="调解员戈兆忠已上门与店主和居民沟通")
    s.step(
        2 * DAY,
        services.case_resolve,
        actor=staff,
        case=s.case,
        result="经调解，店主同意撤除门口喇叭，改为店内低音量播放，并承诺晚八点后不再播放。",
    )
    s.step(
        5 * HOUR, services.case_reply, actor=staff, case=s.case, channel="phone", text="已电话告知调解结果。"
    )


def _whistled(ctx: Context, s: Story) -> None:
    """Accept at 文艺社区, escalate to 解放西街街道 for the street to whistle."""
    s.step(2 * HOUR, services.case_accept, actor=ctx.user("wenyi-staff"), case=s.case)
    s.step(
        HOUR,
        services.case_escalate,
        actor=ctx.user("wenyi-staff"),
        case=s.case,
        reason="涉及交通和城管执法，社区无法协调，提请街道吹哨",
    )


def _beita_parking(ctx: Context) -> None:
    title = "北塔巷乱停车堵塞通道"
    area = ctx.areas["北塔巷"]
    if _exists(title, area):
        return
    s = Story(ctx, ctx.now - 9 * DAY)
    s.submit(
        actor=ctx.user("13900000009"),
        area=area,
        category=ctx.categories["parking"],
        title=title,
        text="北塔巷两侧长期乱停车，早晚高峰消防车和救护车都进不来，居民出行困难，希望规划车位、加强管理。",
        channel="opinion_box",
        reporter_phone="13900000009",
        reporter_name="孙德胜",
    )
    _whistled(ctx, s)
    police, urban = ctx.units["兴庆区交警大队"], ctx.units["兴庆区城市管理局"]
    s.step(
        2 * HOUR,
        services.case_whistle,
        actor=ctx.user("majianrong"),
        case=s.case,
        parts=[(police, "整治北塔巷违停，规划临时停车泊位"), (urban, "清理占道经营和僵尸车")],
    )
    parts = {p.unit_id: p for p in CasePart.objects.filter(case=s.case)}
    s.step(HOUR, services.part_acknowledge, actor=ctx.user("xingqing-jj"), part=parts[police.pk])
    s.step(HOUR, services.part_acknowledge, actor=ctx.user("xingqing-cg"), part=parts[urban.pk])
    s.step(
        3 * DAY,
        services.part_finish,
        actor=ctx.user("xingqing-cg"),
        part=parts[urban.pk],
        result="清理占道摊点6处，拖移僵尸车3辆。",
    )


def _jici_environment(ctx: Context) -> None:
    title = "济慈巷垃圾堆积、环境脏乱"
    area = ctx.areas["济慈巷"]
    if _exists(title, area):
        return
    s = Story(ctx, ctx.now - 30 * DAY)
    s.submit(
        actor=ctx.user("13900000008"),
        area=area,
        category=ctx.categories["garbage"],
        title=title,
        text="济慈巷口的垃圾点长期满溢，清运不及时，夏天异味很重，巷子里还有不少卫生死角。",
        channel="opinion_box",
        reporter_phone="13900000008",
        reporter_name="赵丽娟",
    )
    _whistled(ctx, s)
    urban = ctx.units["兴庆区城市管理局"]
    s.step(
        2 * HOUR,
        services.case_whistle,
        actor=ctx.user("majianrong"),
        case=s.case,
        parts=[(urban, "增加清运频次，清理卫生死角")],
    )
    part = CasePart.objects.get(case=s.case)
    s.step(HOUR, services.part_acknowledge, actor=ctx.user("xingqing-cg"), part=part)
    s.step(
        4 * DAY,
        services.part_finish,
        actor=ctx.user("xingqing-cg"),
        part=part,
        result="垃圾清运改为每日两次，清理卫生死角12处，增设分类垃圾桶4组。",
    )
    s.fresh()
    s.step(
        DAY,
        services.case_reply,
        actor=ctx.user("majianrong"),
        case=s.case,
        channel="notice_board",
        text="济慈巷环境整治已完成，清运频次增加，办理结果在社区公示栏公示。",
    )


def _heating(ctx: Context) -> None:
    title = "裕西花园2号楼暖气不热"
    area = ctx.areas["裕西花园2号楼"]
    if _exists(title, area):
        return
    s = Story(ctx, ctx.now - 3 * DAY)
    staff = ctx.user("wangli")
    s.submit(
        actor=staff,
        area=area,
        category=ctx.categories["heating"],
        title=title,
        text="居民来电反映：供暖开始后家中暖气一直不热，室温只有十四五度，老人孩子受不了。",
        channel="phone",
        reporter=ctx.person("13900000005"),
        reporter_name="杨志强",
        reporter_phone="13900000005",
    )
    s.step(HOUR, services.case_accept, actor=staff, case=s.case)
    s.step(
        HOUR,
        services.case_assign,
        actor=staff,
        case=s.case,
        unit=ctx.units["利通区供热公司"],
        note="请供热公司上门排查",
    )


def _disinfectant(ctx: Context) -> None:
    title = "居民楼院缺少消毒液等防疫物资"
    area = ctx.areas["文艺巷"]
    if _exists(title, area):
        return
    s = Story(ctx, ctx.now - 20 * DAY)
    staff = ctx.user("wenyi-staff")
    s.submit(
        actor=ctx.user("yangxingbao"),
        area=area,
        category=ctx.categories["epidemic-supplies"],
        title=title,
        text="接待日居民反映：文艺巷几个老旧院落没有物业，楼道消杀缺少消毒液和喷壶，希望社区帮助解决。",
        channel="reception_day",
        reporter_name="陈明",
        reporter_phone="13900000007",
    )
    s.step(3 * HOUR, services.case_accept, actor=staff, case=s.case)
    s.step(HOUR, services.case_handle_self, actor=staff, case=s.case, note="社区统一调配防疫物资")
    s.step(
        DAY,
        services.case_resolve,
        actor=staff,
        case=s.case,
        result="已向文艺巷各院落发放消毒液40桶、喷壶20个，并组织志愿者消杀。",
    )


def _tuition(ctx: Context) -> None:
    title = "贫困学生大学学费困难"
    area = ctx.areas["济慈巷"]
    if _exists(title, area):
        return
    s = Story(ctx, ctx.now - 75 * DAY)
    deputy, staff = ctx.user("yangxingbao"), ctx.user("wenyi-staff")
    s.submit(
        actor=deputy,
        area=area,
        category=ctx.categories["education-aid"],
        title=title,
        text="委员接待日，一位母亲反映：女儿考上大学，家里父亲因病丧失劳动能力，第一年学费和住宿费凑不齐。",
        channel="reception_day",
        reporter_name="马桂花",
        reporter_phone="13900000011",
    )
    s.step(2 * HOUR, services.case_accept, actor=staff, case=s.case)
    s.step(
        HOUR,
        services.case_suggest,
        actor=deputy,
        case=s.case,
        note="杨兴保委员提交意见建议，协调教育资助和社会爱心助学",
    )
    s.step(
        HOUR, services.case_contact, actor=staff, case=s.case, note="杨兴保委员与社区工作人员一同入户了解情况"
    )
    s.step(
        8 * DAY,
        services.case_resolve,
        actor=staff,
        case=s.case,
        result="协调办理生源地助学贷款，并联系爱心企业资助第一年学费5000元。",
    )
    s.step(
        DAY,
        services.case_reply,
        actor=staff,
        case=s.case,
        channel="in_person",
        text="杨兴保委员和社区工作人员上门告知资助结果。",
    )
    s.step(
        DAY,
        services.case_rate,
        case=s.fresh(),
        source_case=s.case,
        value="satisfied",
        comment="感谢杨委员和社区",
    )


SEED_STORIES = (
    _wall_crack,
    _loudspeaker,
    _beita_parking,
    _jici_environment,
    _heating,
    _disinfectant,
    _tuition,
)


# ---------------------------------------------------------------- a year of generated cases

# area -> (community dispatcher, recorder on site)
PLACES = {
    "古城巷5号楼": ("wangli", "yuxi-grid1"),
    "古城巷3号楼": ("wangli", "yuxi-grid1"),
    "古城巷7号楼": ("wangli", "yuxi-grid1"),
    "裕西花园1号楼": ("wangli", "yuxi-grid2"),
    "裕西花园2号楼": ("wangli", "yuxi-grid2"),
    "裕西第三网格": ("limengqi", "yuxi-grid2"),
    "金花第一网格": ("jinhua-staff", "jinhua-staff"),
    "文艺巷": ("wenyi-staff", "wenyi-staff"),
    "济慈巷": ("wenyi-staff", "wenyi-staff"),
    "北塔巷": ("wenyi-staff", "yangxingbao"),
}
PROBLEMS = {
    "garbage": ["垃圾桶满溢无人清运", "垃圾点异味严重", "建筑垃圾堆放", "卫生死角长期无人打扫"],
    "noise": ["夜间施工噪音扰民", "广场舞音响声音过大", "商铺喇叭扰民", "空调外机噪音大"],
    "corridor-clutter": ["楼道堆放杂物", "楼道停放电动车充电", "消防通道被占用"],
    "roads": ["路面坑洼积水", "井盖破损", "人行道砖松动"],
    "streetlights": ["路灯不亮", "楼下照明灯损坏", "巷口路灯时亮时灭"],
    "parking": ["车辆乱停堵塞通道", "僵尸车长期占用车位", "缺少非机动车停放点"],
    "drains": ["下水道堵塞返水", "化粪池外溢", "雨水管破裂"],
    "heating": ["暖气不热", "暖气管道漏水", "供暖温度不达标"],
    "property": ["电梯经常故障", "小区保洁不到位", "门禁损坏"],
    "hardship": ["独居老人生活困难", "残疾人家庭需要帮扶", "失业家庭申请救助"],
    "neighbour-disputes": ["楼上漏水邻里纠纷", "邻居占用公共区域", "宠物扰邻纠纷"],
    "family-disputes": ["老人赡养纠纷", "家庭房产继承纠纷"],
}
OUTSIDE_UNITS = {"文艺巷": "兴庆区城市管理局", "济慈巷": "兴庆区城市管理局", "北塔巷": "兴庆区交警大队"}
UNIT_STAFF = {"兴庆区城市管理局": "xingqing-cg", "兴庆区交警大队": "xingqing-jj"}
REPLY_CHANNELS = ["phone", "phone", "in_person", "written", "notice_board"]
GENERATED_CASES = 300


@dataclass(frozen=True)
class GeneratedCase:
    place: str
    category: str
    title: str
    submitted_at: dt.datetime
    channel: str
    fate: float  # 0..1, picks the path through the process
    lags: tuple[float, ...]  # hours between the steps


def generated_cases(now: dt.datetime, count: int = GENERATED_CASES) -> list[GeneratedCase]:
    """The same ``count`` cases on every run (seeded), one per (title, place), over the 365 days before
    ``now``; older ones further along the process."""
    rng = random.Random(640302)
    out, seen = [], set()
    places = list(PLACES)
    start = now - 365 * DAY
    day0 = start.replace(hour=0, minute=0, second=0, microsecond=0)
    for _attempt in range(20 * count):
        if len(out) >= count:
            break
        place, category = rng.choice(places), rng.choice(list(PROBLEMS))
        title = place + rng.choice(PROBLEMS[category])
        month = rng.randrange(12)
        if month:
            # The same problem comes back: tell the reports apart by the month they were made in.
            title = f"{title}（{(start + dt.timedelta(days=month * 30)).month}月）"
        if (title, place) in seen:
            continue
        seen.add((title, place))
        when = day0 + dt.timedelta(days=month * 30 + rng.randrange(30), hours=8 + rng.randrange(10))
        if len(out) < 3:
            # A few arrived today and wait for acceptance.
            when = now - dt.timedelta(hours=2 + 5 * len(out))
        if when > now - 2 * HOUR:
            when = now - 2 * HOUR - dt.timedelta(minutes=rng.randrange(600))
        channel = rng.choice(["opinion_box", "opinion_box", "grid_report", "phone", "home_visit", "hotline"])
        lags = (
            rng.uniform(0.5, 30),  # accept
            rng.uniform(0.5, 4),  # handling mode
            rng.uniform(1, 70),  # first contact
            rng.uniform(24, 400),  # resolve
            rng.uniform(2, 60),  # reply
            rng.uniform(3, 150),  # rate
        )
        out.append(GeneratedCase(place, category, title, when, channel, rng.random(), lags))
    return sorted(out, key=lambda g: g.submitted_at)


def _run_generated(ctx: Context, g: GeneratedCase) -> bool:
    area = ctx.areas[g.place]
    if _exists(g.title, area):
        return False
    dispatcher_name, recorder_name = PLACES[g.place]
    dispatcher = ctx.user(dispatcher_name)
    s = Story(ctx, g.submitted_at)
    actor = None if g.channel == "opinion_box" else ctx.user(recorder_name)
    s.submit(
        actor=actor,
        area=area,
        category=ctx.categories[g.category],
        title=g.title,
        text=f"{g.title}，影响居民正常生活，希望尽快处理。",
        channel=g.channel,
        reporter_name="居民",
        is_anonymous=g.channel == "opinion_box" and g.fate < 0.3,
    )
    lag = [dt.timedelta(hours=h) for h in g.lags]

    def due(delta) -> bool:
        return s.at + delta < ctx.now

    if ctx.now - g.submitted_at < DAY or not due(lag[0]):
        return True
    if g.fate > 0.97:
        s.step(
            lag[0],
            services.case_reject,
            actor=dispatcher,
            case=s.case,
            reason="该事项正在诉讼程序中，不予受理",
        )
        return True
    s.step(lag[0], services.case_accept, actor=dispatcher, case=s.case)
    if not due(lag[1]):
        return True
    handler = dispatcher
    unit_name = OUTSIDE_UNITS.get(g.place)
    if "disputes" in g.category:
        s.step(lag[1], services.case_refer_mediation, actor=dispatcher, case=s.case, note="邻里纠纷，转调解")
    elif unit_name and g.fate < 0.35:
        s.step(lag[1], services.case_assign, actor=dispatcher, case=s.case, unit=ctx.units[unit_name])
        handler = ctx.user(UNIT_STAFF[unit_name])
    else:
        s.step(lag[1], services.case_handle_self, actor=dispatcher, case=s.case)
    if not due(lag[2]):
        return True
    if g.fate < 0.5:
        # Half the handlers log a first contact; for the others the reply is the first contact.
        s.step(lag[2], services.case_contact, actor=handler, case=s.case, note="已联系反映人了解情况")
    for round_ in (0, 1):
        if round_:
            # 重办: the dispatcher takes the reopened case on again.
            s.step(
                HOUR, services.case_handle_self, actor=dispatcher, case=s.fresh(), note="居民不满意，重新办理"
            )
        if not due(lag[3]):
            return True
        s.step(lag[3], services.case_resolve, actor=handler, case=s.fresh(), result="问题已处理完毕。")
        if not due(lag[4]):
            return True
        channel = REPLY_CHANNELS[int(g.fate * 100) % len(REPLY_CHANNELS)]
        s.step(
            lag[4],
            services.case_reply,
            actor=dispatcher,
            case=s.case,
            channel=channel,
            text="已将办理结果告知反映人。",
        )
        if g.fate < 0.08 and round_ == 0:
            # Not rated in the window: the system closes it.
            if due(8 * DAY):
                s.step(8 * DAY, services.case_close, actor=None, case=s.case)
            return True
        if not due(lag[5]):
            return True
        if 0.85 < g.fate <= 0.95 and round_ == 0:
            s.step(
                lag[5],
                services.case_rate,
                case=s.fresh(),
                source_case=s.case,
                value="unsatisfied",
                comment="问题没有彻底解决",
            )
            handler = dispatcher
            continue
        value = "basic" if 0.65 < g.fate <= 0.85 else "satisfied"
        s.step(lag[5], services.case_rate, case=s.fresh(), source_case=s.case, value=value)
        return True
    return True


# ---------------------------------------------------------------- entry point


def load_cases(areas: dict[str, Area], units: dict[str, Unit], *, generated: int = GENERATED_CASES) -> int:
    """Load the P1 demo data (see the module docstring); return how many cases were created.

    Call inside ``load_demo``'s transaction, after the areas, units and people exist.
    """
    units = dict(units)
    for area_name, name, kind in EXTRA_UNITS:
        unit = Unit.objects.filter(area=areas[area_name], name=name).first()
        units[name] = unit or unit_create(actor=None, area=areas[area_name], name=name, kind=kind)
    categories = _load_categories()
    _load_routes(categories, areas, units)
    ctx = Context(areas=areas, units=units, categories=categories, now=timezone.now())
    before = Case.objects.count()
    for story in SEED_STORIES:
        story(ctx)
    for g in generated_cases(ctx.now, generated):
        _run_generated(ctx, g)
    return Case.objects.count() - before
