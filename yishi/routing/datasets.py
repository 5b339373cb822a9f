"""A generated set of Chinese government messages (民情留言) for evaluating smart routing.

``generate(n, seed)`` gives ``n`` (text, label) rows over the 15 leaf categories of the demo tree, with
varied phrasing: openers, places, times, complaints written in several ways, the resident's demand, and the
noise real messages have (typos of common homophones, dropped words, repeated punctuation, dialect
particles, stray numbers), overlapping vocabulary between categories (漏水 in 下水/供暖/邻里纠纷, 噪音 in
噪声扰民/邻里纠纷/物业, 楼道 in 楼道堆物/路灯/物业 …) and a small share of mislabelled rows, as a ledger
exported from another system has. ``python -m yishi.routing.datasets 10000 > messages.csv`` writes one.
"""

from __future__ import annotations

import csv
import random
import sys

OPENERS = [
    "",
    "",
    "您好，",
    "你好，",
    "领导好，",
    "我是{place}的居民，",
    "我住在{place}，",
    "反映一个问题：",
    "再次反映：",
    "我要投诉，",
    "请问一下，",
    "麻烦社区关注一下，",
    "12345转来：",
    "网格员上报：",
]
PLACES = [
    "古城巷5号楼",
    "裕西花园2号楼",
    "金花小区",
    "文艺巷",
    "济慈巷12号",
    "北塔巷",
    "胜利街小区",
    "建设路3号院",
    "新华东街",
    "光明社区",
    "丽景湾",
    "民族北街",
    "幸福里小区",
    "滨河家园",
    "阳光嘉苑",
    "老粮库家属院",
]
TIMES = [
    "",
    "",
    "最近",
    "这几天",
    "最近一个月",
    "每天晚上",
    "周末",
    "从上周开始",
    "已经半年了",
    "今天早上",
    "连续好几天",
    "入冬以来",
    "一到下雨天",
]
DEMANDS = [
    "",
    "希望尽快处理。",
    "请有关部门管一管。",
    "多次反映没有结果。",
    "希望给个答复。",
    "麻烦派人来看看。",
    "请尽快解决，谢谢！",
    "影响正常生活。",
    "老人孩子都受不了。",
    "盼复。",
    "希望社区协调一下。",
]
PARTICLES = ["", "", "", "啊", "呀", "哦", "嘛", "咧"]

# category key -> (subjects, problems) phrases; overlapping words are deliberate.
TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "garbage": (
        [
            "垃圾桶",
            "垃圾点",
            "垃圾站",
            "小区门口的垃圾",
            "建筑垃圾",
            "厨余垃圾",
            "卫生死角",
            "绿化带里的垃圾",
        ],
        [
            "满了没人清运",
            "臭气熏天",
            "异味很大招苍蝇",
            "堆了好几天",
            "没人打扫",
            "被野狗翻得到处都是",
            "清运不及时",
            "污水横流",
            "乱扔乱倒没人管",
        ],
    ),
    "noise": (
        [
            "广场舞",
            "楼下商铺的喇叭",
            "工地",
            "夜市",
            "邻居家音响",
            "KTV",
            "空调外机",
            "装修",
            "烧烤摊",
            "音响",
            "大喇叭",
        ],
        [
            "声音太大",
            "噪音扰民",
            "半夜还在施工",
            "吵得睡不着",
            "放音乐到深夜",
            "轰隆隆响个不停",
            "一大早就开始吵",
            "音量开得很大",
            "噪声严重超标",
        ],
    ),
    "corridor-clutter": (
        ["楼道", "消防通道", "楼梯间", "单元门口", "地下室走廊", "安全出口"],
        [
            "堆满了杂物",
            "停放电动车还在充电",
            "被堆放的纸箱堵塞",
            "放着旧家具",
            "被占用过不去",
            "堆放易燃物品有安全隐患",
            "有人放了煤和柴火",
        ],
    ),
    "roads": (
        ["路面", "人行道", "井盖", "小区道路", "巷子里的路", "柏油路", "路边砖"],
        [
            "坑坑洼洼",
            "破损严重",
            "塌陷了",
            "下雨就积水",
            "井盖丢失很危险",
            "砖块松动绊倒老人",
            "裂开一道大口子",
            "坑洼不平车都开不过去",
        ],
    ),
    "streetlights": (
        ["路灯", "巷口的路灯", "楼道灯", "小区照明灯", "景观灯", "路灯杆"],
        [
            "不亮",
            "坏了好久",
            "时亮时灭",
            "晚上一片漆黑",
            "线路裸露",
            "白天亮晚上不亮",
            "灯罩掉了",
            "照明不足走路看不见",
        ],
    ),
    "parking": (
        ["车辆", "僵尸车", "私家车", "外来车辆", "电动车", "货车", "出租车"],
        [
            "乱停乱放",
            "长期占用车位",
            "堵塞通道",
            "停在消防通道上",
            "占道停车",
            "停车位太少",
            "把路堵死了救护车进不来",
            "缺少停放点",
        ],
    ),
    "unsafe-wall": (
        ["围墙", "房屋外墙", "老房子的墙体", "院墙", "楼体", "阳台"],
        [
            "出现裂缝",
            "开裂严重",
            "有倒塌危险",
            "墙皮大面积脱落",
            "倾斜了",
            "裂缝越来越大",
            "外墙瓷砖掉落砸到人",
        ],
    ),
    "drains": (
        ["下水道", "化粪池", "雨水管", "排水管", "污水井", "厨房下水"],
        [
            "堵塞返水",
            "外溢臭味很大",
            "破裂漏水",
            "污水漫到路上",
            "一下雨就倒灌",
            "漏水把墙泡了",
            "堵了好几天没人疏通",
        ],
    ),
    "heating": (
        ["暖气", "供暖", "暖气片", "暖气管道", "供热", "家里"],
        [
            "不热",
            "温度只有十几度",
            "漏水",
            "供热不达标",
            "时冷时热",
            "一直不来暖气",
            "冻得穿棉衣",
            "交了取暖费还是不热",
        ],
    ),
    "property": (
        ["物业", "电梯", "门禁", "小区保洁", "物业公司", "监控", "小区大门"],
        [
            "不作为",
            "经常故障关人",
            "坏了没人修",
            "乱收物业费",
            "保洁不到位",
            "服务态度差",
            "电梯有异响和噪音",
            "管理混乱",
        ],
    ),
    "education-aid": (
        ["孩子上学", "学费", "贫困学生", "考上大学", "助学金", "子女入学"],
        [
            "交不起学费",
            "申请助学金",
            "家庭困难需要资助",
            "想了解助学政策",
            "入学手续办不下来",
            "学费没有着落",
        ],
    ),
    "hardship": (
        ["独居老人", "低保户", "残疾人", "失业家庭", "孤寡老人", "困难群众", "重病家庭"],
        [
            "生活困难",
            "需要帮扶",
            "申请低保",
            "没人照顾",
            "看病没钱",
            "申请救助",
            "想申请临时救助",
            "家里揭不开锅",
        ],
    ),
    "epidemic-supplies": (
        ["消毒液", "口罩", "防疫物资", "消杀", "体温计", "核酸检测点"],
        ["领不到", "发放不及时", "希望多配一些", "小区没有消杀", "物资短缺", "发放不公平", "需要补充"],
    ),
    "neighbour-disputes": (
        ["邻居", "楼上住户", "隔壁", "对门", "楼下邻居", "邻里"],
        [
            "漏水到我家不肯赔",
            "占用公共区域",
            "养狗扰邻",
            "吵架闹矛盾",
            "乱搭乱建挡住采光",
            "噪音问题沟通不了",
            "发生纠纷需要调解",
            "把杂物放到我家门口",
        ],
    ),
    "family-disputes": (
        ["老人", "子女", "兄弟姐妹", "夫妻", "儿子儿媳", "家里"],
        [
            "不尽赡养义务",
            "为房产继承闹矛盾",
            "闹离婚需要调解",
            "家庭暴力",
            "分家产起纠纷",
            "不给老人生活费",
            "婚姻纠纷",
        ],
    ),
}
# Words shared across categories: a message that names only these is ambiguous, as in real ledgers.
SHARED_SUBJECTS = {
    "noise": ["楼上", "隔壁", "晚上"],
    "neighbour-disputes": ["楼上", "隔壁", "楼道"],
    "corridor-clutter": ["楼道", "单元"],
    "streetlights": ["楼道", "巷口"],
    "property": ["小区", "单元", "楼道"],
    "drains": ["楼上", "卫生间", "漏水"],
    "heating": ["漏水", "管道"],
    "garbage": ["小区", "巷口"],
    "parking": ["巷口", "小区"],
    "roads": ["巷口", "小区"],
    "hardship": ["老人", "家里"],
    "family-disputes": ["老人", "家里"],
    "education-aid": ["孩子", "家里"],
    "epidemic-supplies": ["小区", "社区"],
    "unsafe-wall": ["老房子", "单元"],
}
GENERIC_PROBLEMS = ["的问题很严重", "没人管", "坏了好久了", "影响很大", "很危险", "反映多次了", "一直没解决"]
CATEGORIES = list(TOPICS)
TYPOS = {"噪音": "燥音", "清运": "清云", "垃圾": "拉圾", "暖气": "暧气", "裂缝": "列缝", "调解": "调节"}


def _noisy(rng: random.Random, text: str) -> str:
    if rng.random() < 0.15:
        for right, wrong in TYPOS.items():
            if right in text:
                text = text.replace(right, wrong, 1)
                break
    if rng.random() < 0.1:
        text = text.replace("，", "！！", 1)
    if rng.random() < 0.08:
        text += rng.choice(["", "电话13800000000", "急！", "？？", "……"])
    return text


def message(rng: random.Random, key: str) -> str:
    """One message about category ``key``."""
    subjects, problems = TOPICS[key]
    place = rng.choice(PLACES)
    subject, problem = rng.choice(subjects), rng.choice(problems)
    if rng.random() < 0.3:
        # Only one of subject and problem says what it is about; the other is shared or generic.
        if rng.random() < 0.5:
            subject = rng.choice(SHARED_SUBJECTS[key])
        else:
            problem = rng.choice(GENERIC_PROBLEMS)
    body = rng.choice(
        [
            "{subject}{problem}",
            "{time}{subject}{problem}",
            "{place}{subject}{time}{problem}",
            "{subject}{time}一直{problem}",
            "关于{place}{subject}{problem}的问题",
            "{place}的{subject}{problem}{particle}，{time}{problem2}",
        ]
    ).format(
        subject=subject,
        problem=problem,
        problem2=rng.choice(problems),
        time=rng.choice(TIMES),
        place=place,
        particle=rng.choice(PARTICLES),
    )
    if rng.random() < 0.4:
        # A second, unrelated detail, as residents often add: vocabulary of another category.
        other = rng.choice(CATEGORIES)
        body += "，另外" + rng.choice(TOPICS[other][0]) + "也" + rng.choice(["不太好", "有点问题", "要看看"])
    text = rng.choice(OPENERS).format(place=place) + body + "。" + rng.choice(DEMANDS)
    return _noisy(rng, text)


def generate(n: int = 10000, *, seed: int = 12345, mislabel: float = 0.03, categories=None) -> list[tuple]:
    """``n`` (text, label) rows, categories of unequal size (as in real ledgers), ``mislabel`` wrong."""
    rng = random.Random(seed)
    keys = list(categories or CATEGORIES)
    sizes = [1.0 + rng.random() * 2 for _k in keys]
    rows = []
    for _i in range(n):
        key = rng.choices(keys, weights=sizes)[0]
        label = rng.choice(keys) if rng.random() < mislabel else key
        rows.append((message(rng, key), label))
    return rows


def write_csv(rows, stream) -> None:
    writer = csv.writer(stream)
    writer.writerow(["text", "label"])
    writer.writerows(rows)


if __name__ == "__main__":  # pragma: no cover
    write_csv(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 10000), sys.stdout)
