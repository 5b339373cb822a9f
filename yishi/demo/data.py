"""The demo data, from the seed stories (/work/shared/seed): areas, units and people with their roles.

Plain data only; ``load_demo`` writes it through the services. Names come from the seed reports where
the reports give them; the other staff, stewards and residents are made up, and every phone number is
an obviously fake 1380000xxxx / 1390000xxxx. Every area name is unique in this file, so people and
units refer to their area by name.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "yishi-demo"


@dataclass(frozen=True)
class AreaSpec:
    """One node of the demo area tree, with its children."""

    name: str
    level: str
    code: str = ""
    children: tuple[AreaSpec, ...] = ()


def A(name: str, level: str, code: str = "", *children: AreaSpec) -> AreaSpec:
    return AreaSpec(name, level, code, tuple(children))


# fmt: off
AREA_TREE: tuple[AreaSpec, ...] = (
    A("宁夏回族自治区", "province", "640000",
        A("吴忠市", "city", "640300",
            A("利通区", "district", "640302",
                A("金星镇", "street", "",
                    A("裕西社区", "community", "",
                        A("裕西第一网格", "grid", "",
                            A("古城巷5号楼", "building"),
                            A("古城巷3号楼", "building"),
                            A("古城巷7号楼", "building"),
                        ),
                        A("裕西第二网格", "grid", "", A("裕西花园1号楼", "building")),
                        A("裕西第三网格", "grid", "", A("裕西花园2号楼", "building")),
                    ),
                    A("金花社区", "community", "", A("金花第一网格", "grid")),
                ),
            ),
        ),
        A("银川市", "city", "640100",
            A("兴庆区", "district", "640104",
                A("解放西街街道", "street", "",
                    A("文艺社区", "community", "",
                        A("文艺巷", "grid"),
                        A("济慈巷", "grid"),
                        A("北塔巷", "grid"),
                    ),
                ),
            ),
            A("永宁县", "district", "640121"),
            A("灵武市", "district", "640181"),
        ),
        A("固原市", "city", "640400",
            A("隆德县", "district", "640423", A("六盘山工业园区", "street")),
            A("西吉县", "district", "640422"),
        ),
    ),
    A("江苏省", "province", "320000", A("常州市", "city", "320400", A("金坛区", "district", "320413"))),
)
# fmt: on


@dataclass(frozen=True)
class UnitSpec:
    """A unit located in the area named ``area``."""

    area: str
    name: str
    kind: str


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("裕西社区", "古城卫生院", "hospital"),
    UnitSpec("裕西社区", "裕西物业服务有限公司", "property_company"),
    UnitSpec("裕西社区", "裕西社区党支部", "party_organisation"),
    UnitSpec("裕西社区", "裕西社区居民委员会", "residents_committee"),
    UnitSpec("金花社区", "金花社区居民委员会", "residents_committee"),
    UnitSpec("解放西街街道", "解放西街街道办事处", "street_office"),
    UnitSpec("文艺社区", "文艺社区市民驿站", "institution"),
    UnitSpec("兴庆区", "兴庆区交警大队", "department"),
    UnitSpec("兴庆区", "兴庆区城市管理局", "department"),
    UnitSpec("隆德县", "隆德县总工会", "union"),
    UnitSpec("六盘山工业园区", "六盘山工业园区管委会", "department"),
    UnitSpec("六盘山工业园区", "六盘山工业园区区域性工会联合会", "union"),
    UnitSpec("西吉县", "西吉县政协办公室", "institution"),
    UnitSpec("西吉县", "西吉县政协社会治理委员会", "committee"),
    UnitSpec("西吉县", "西吉县政协科教文卫委员会", "committee"),
    UnitSpec("金坛区", "金坛区政协", "institution"),
)


@dataclass(frozen=True)
class GrantSpec:
    """``role`` on the area named ``area``, for the unit named ``unit`` when given."""

    role: str
    area: str
    unit: str = ""


@dataclass(frozen=True)
class PersonSpec:
    """A demo person with a login ``username`` (password ``DEMO_PASSWORD``) and role grants."""

    username: str
    name: str
    phone: str
    home_area: str
    grants: tuple[GrantSpec, ...]
    unit: str = ""
    title: str = ""
    is_party_member: bool = False
    is_superuser: bool = False


def G(role: str, area: str, unit: str = "") -> GrantSpec:
    return GrantSpec(role, area, unit)


_RESIDENTS = (
    # (phone = username, name, home area)
    ("13900000001", "马秀兰", "古城巷5号楼"),
    ("13900000002", "王福贵", "古城巷5号楼"),
    ("13900000003", "李建华", "古城巷3号楼"),
    ("13900000004", "张淑芬", "裕西花园1号楼"),
    ("13900000005", "杨志强", "裕西花园2号楼"),
    ("13900000006", "刘桂英", "裕西第一网格"),
    ("13900000007", "陈明", "文艺巷"),
    ("13900000008", "赵丽娟", "济慈巷"),
    ("13900000009", "孙德胜", "北塔巷"),
    ("13900000010", "周玉梅", "北塔巷"),
)

PEOPLE: tuple[PersonSpec, ...] = (
    # Platform and district administration, supervision.
    PersonSpec(
        "admin",
        "宁夏平台管理员",
        "13800000001",
        "宁夏回族自治区",
        (G("admin", "宁夏回族自治区"),),
        title="平台管理员",
        is_superuser=True,
    ),
    PersonSpec(
        "litong-admin", "李志刚", "13800000002", "利通区", (G("admin", "利通区"),), title="利通区管理员"
    ),
    PersonSpec(
        "litong-auditor", "杨帆", "13800000003", "利通区", (G("auditor", "利通区"),), title="利通区督查"
    ),
    # 裕西社区 (P2 党员民情议事会, P4 网格与调解).
    PersonSpec(
        "limengqi",
        "黎梦琦",
        "13800000011",
        "裕西社区",
        (G("party_secretary", "裕西社区"),),
        unit="裕西社区党支部",
        title="裕西社区党支部书记",
        is_party_member=True,
    ),
    PersonSpec(
        "baimei",
        "白玫",
        "13800000012",
        "裕西社区",
        (G("party_secretary", "裕西社区"),),
        unit="裕西社区党支部",
        title="裕西社区党支部书记",
        is_party_member=True,
    ),
    PersonSpec(
        "wangli",
        "王丽",
        "13800000013",
        "裕西社区",
        (G("community_staff", "裕西社区"),),
        unit="裕西社区居民委员会",
        title="社区工作人员",
    ),
    PersonSpec(
        "gezhaozhong",
        "戈兆忠",
        "13800000014",
        "古城巷5号楼",
        (G("party_member", "裕西社区"), G("resident", "古城巷5号楼")),
        title="老党员、矛盾纠纷调解员、志愿者",
        is_party_member=True,
    ),
    PersonSpec(
        "danghaifeng",
        "党海凤",
        "13800000015",
        "古城巷3号楼",
        (G("party_member", "裕西社区"), G("resident", "古城巷3号楼")),
        title="党员",
        is_party_member=True,
    ),
    PersonSpec(
        "yuxi-grid1",
        "张海燕",
        "13800000016",
        "裕西第一网格",
        (G("grid_worker", "裕西第一网格"),),
        title="裕西第一网格网格员",
    ),
    PersonSpec(
        "yuxi-grid2",
        "马晓东",
        "13800000017",
        "裕西第二网格",
        (G("grid_worker", "裕西第二网格"), G("grid_worker", "裕西第三网格")),
        title="裕西第二、三网格网格员",
    ),
    PersonSpec(
        "zhouguilan",
        "周桂兰",
        "13800000018",
        "古城巷5号楼",
        (G("building_steward", "古城巷5号楼"),),
        title="楼栋红管家",
        is_party_member=True,
    ),
    PersonSpec(
        "majinhua",
        "马金花",
        "13800000019",
        "裕西花园1号楼",
        (G("building_steward", "裕西花园1号楼"),),
        title="楼栋红管家",
        is_party_member=True,
    ),
    # 金花社区: the sibling community, to show that scopes do not leak sideways.
    PersonSpec(
        "jinhua-staff",
        "刘芳",
        "13800000021",
        "金花社区",
        (G("community_staff", "金花社区"),),
        unit="金花社区居民委员会",
        title="社区工作人员",
    ),
    # 解放西街 · 文艺社区 (P3 两代表一委员, 街道吹哨).
    PersonSpec(
        "majianrong",
        "马建荣",
        "13800000031",
        "解放西街街道",
        (G("street_staff", "解放西街街道"),),
        unit="解放西街街道办事处",
        title="街道办工作人员",
    ),
    PersonSpec(
        "wenyi-staff",
        "陈静",
        "13800000032",
        "文艺社区",
        (G("community_staff", "文艺社区"),),
        unit="文艺社区市民驿站",
        title="社区工作人员",
    ),
    PersonSpec(
        "yangxingbao", "杨兴保", "13800000033", "文艺社区", (G("deputy", "文艺社区"),), title="银川市政协委员"
    ),
    PersonSpec(
        "xingqing-cg",
        "张伟",
        "13800000034",
        "兴庆区",
        (G("department_staff", "兴庆区", "兴庆区城市管理局"),),
        unit="兴庆区城市管理局",
        title="城管执法队员",
    ),
    PersonSpec(
        "xingqing-jj",
        "王军",
        "13800000035",
        "兴庆区",
        (G("department_staff", "兴庆区", "兴庆区交警大队"),),
        unit="兴庆区交警大队",
        title="交警",
    ),
    # 隆德县六盘山工业园区 (P5 区域性工资集体协商).
    PersonSpec(
        "lps-union",
        "马丽",
        "13800000041",
        "六盘山工业园区",
        (G("union_rep", "六盘山工业园区"),),
        unit="六盘山工业园区区域性工会联合会",
        title="职工方首席代表",
    ),
    PersonSpec(
        "lps-employer",
        "丁海涛",
        "13800000042",
        "六盘山工业园区",
        (G("employer_rep", "六盘山工业园区"),),
        title="企业方首席代表",
    ),
    # 西吉县政协 (P6 对口协商).
    PersonSpec(
        "matianying",
        "马天英",
        "13800000051",
        "西吉县",
        (G("cppcc_office", "西吉县"),),
        unit="西吉县政协办公室",
        title="西吉县政协主席",
    ),
    PersonSpec(
        "mayunqing",
        "马云青",
        "13800000052",
        "西吉县",
        (G("cppcc_office", "西吉县", "西吉县政协社会治理委员会"),),
        unit="西吉县政协社会治理委员会",
        title="社会治理委员会、科教文卫委员会主任",
    ),
    PersonSpec(
        "tianhaojiang",
        "田浩江",
        "13800000053",
        "西吉县",
        (G("cppcc_office", "西吉县", "西吉县政协办公室"),),
        unit="西吉县政协办公室",
        title="西吉县政协办公室主任",
    ),
    # 金坛区 (有事好商量).
    PersonSpec(
        "yanqinghua", "严清华", "13800000061", "金坛区", (G("deputy", "金坛区"),), title="江苏省政协委员"
    ),
    PersonSpec(
        "suntieguo",
        "孙铁国",
        "13800000062",
        "金坛区",
        (G("deputy", "金坛区"),),
        unit="金坛区政协",
        title="金坛区政协常委",
    ),
    # Residents: their login is their (fake) phone number.
    *(
        PersonSpec(phone, name, phone, area, (G("resident", area),), title="居民")
        for phone, name, area in _RESIDENTS
    ),
)


@dataclass(frozen=True)
class NoticeSpec:
    """A notice on an area's board, published by the staff member ``publisher`` (a demo login name)."""

    area: str
    publisher: str
    title: str
    body: str
    kind: str = "general"
    mask_people: bool = True


NOTICES: tuple[NoticeSpec, ...] = (
    NoticeSpec(
        area="裕西社区",
        publisher="wangli",
        title="关于开展冬季楼道消防安全排查的通知",
        body=(
            "各位居民：入冬以来用火用电增多。社区网格员和楼栋红管家将于本月逐楼逐户开展消防安全排查，"
            "重点检查楼道堆物、私拉电线和煤房子安全隐患。发现问题请拨打社区电话 0953-2012345，"
            "或扫描下方二维码通过意见征集箱反映。"
        ),
    ),
    NoticeSpec(
        area="文艺社区",
        publisher="wenyi-staff",
        title="“两代表一委员”接待日排班表",
        body=(
            "文艺社区市民驿站每周三上午9:00—12:00开展“委员接待日”活动。本月坐班：银川市政协委员杨兴保。"
            "居民可当面反映意见建议，代表委员将跟踪办理并反馈结果。"
        ),
        kind="duty_roster",
        mask_people=False,
    ),
    NoticeSpec(
        area="解放西街街道",
        publisher="majianrong",
        title="北塔巷停车难问题协调办理进展",
        body=(
            "针对居民反映的北塔巷停车难、乱停车问题，街道吹哨，兴庆区交警大队、兴庆区城市管理局报到，"
            "已施划停车泊位并开展集中整治。后续进展将在本栏公示。"
        ),
        kind="case_result",
    ),
)
