"""Word lists for the synthetic city: place names, personal names, categories and case text fragments.

Everything here is invented: names are put together from syllables, phone numbers use the 170/171 virtual
operator prefixes, no real person or address is meant. The case texts are combined from fragments so that
each fragment is tokenised once (``generate``) however many cases use it.
"""

# Syllables for district, street and community names (two are joined, a suffix is added).
PLACE_SYLLABLES = (
    "安 宁 和 平 兴 华 康 泰 清 河 长 乐 永 丰 新 民 东 西 南 北 明 光 文 昌 青 山 金 水 银 桥 "
    "龙 凤 福 寿 春 晖 秀 峰 云 溪 枫 林 桂 园 松 柏 锦 绣 阳 湖 海 滨 星 月 晨 曦 德 胜 富 源"
).split()
DISTRICT_SUFFIX = "区"
STREET_SUFFIXES = ("街道", "街道", "街道", "镇")
COMMUNITY_SUFFIXES = ("社区", "社区", "社区", "村")

SURNAMES = "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹".split()
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 英 华 慧 建 国 平 刚 桂 兰 玉 梅 红 "
    "霞 鹏 辉 飞 鑫 波 斌 宇 浩 凯 婷 雪 琳 晶 博 文 志 海 丹 宁"
).split()

# District bureaus (one of each per district) and the category parents they handle.
BUREAUS = (
    "住房和城乡建设局",
    "城市管理综合执法局",
    "生态环境分局",
    "交通运输局",
    "市场监督管理局",
    "水务局",
    "教育局",
    "卫生健康局",
    "民政局",
    "公安分局",
    "自然资源局",
    "人力资源和社会保障局",
)
STREET_DEPARTMENTS = ("综合执法中队",)
PROPERTY_COMPANIES = ("物业服务有限公司", "物业管理有限公司", "物业服务中心")

# Category tree: (key, name, bureau index or None, [(leaf key, leaf name, weight, route level, phrases)]).
# ``route level`` is community / street / unit; ``phrases`` are problem descriptions (title fragments).
CATEGORIES = (
    (
        "env",
        "环境卫生",
        2,
        (
            (
                "env-noise",
                "噪音扰民",
                90,
                "community",
                ("夜间噪音扰民", "广场舞音响噪音太大", "装修噪音影响休息"),
            ),
            (
                "env-garbage",
                "垃圾清运",
                70,
                "community",
                ("垃圾清运不及时", "垃圾桶满溢无人清理", "建筑垃圾乱堆"),
            ),
            ("env-sorting", "垃圾分类", 20, "community", ("垃圾分类投放点设置不合理", "厨余垃圾混投")),
            ("env-odor", "异味污染", 15, "unit", ("餐馆油烟异味刺鼻", "化粪池异味严重")),
            ("env-water", "水体污染", 6, "unit", ("河道水体发黑发臭", "排污口偷排污水")),
            ("env-tree", "古树名木保护", 1, "unit", ("古树枝干枯死需要养护",)),
        ),
    ),
    (
        "prop",
        "物业管理",
        0,
        (
            ("prop-fee", "物业收费", 30, "street", ("物业费上涨不合理", "停车管理费收费不透明")),
            (
                "prop-service",
                "物业服务",
                55,
                "community",
                ("物业服务不到位", "保洁不及时楼道脏乱", "门禁损坏物业不修"),
            ),
            ("prop-elevator", "电梯故障", 35, "unit", ("电梯经常故障困人", "电梯维保不及时")),
            ("prop-leak", "房屋漏水", 45, "community", ("楼顶漏水", "卫生间漏水渗到楼下", "外墙渗水")),
            ("prop-fund", "维修资金", 8, "street", ("维修资金申请困难",)),
        ),
    ),
    (
        "traffic",
        "交通出行",
        3,
        (
            (
                "traffic-parking",
                "停车管理",
                80,
                "community",
                ("小区停车位紧张", "车辆乱停占用消防通道", "共享单车乱停放"),
            ),
            ("traffic-road", "道路破损", 30, "unit", ("路面坑洼破损", "人行道地砖松动")),
            ("traffic-signal", "信号灯设置", 12, "unit", ("路口信号灯时间太短", "缺少过街信号灯")),
            ("traffic-bus", "公交线路", 10, "unit", ("公交站点太远", "公交班次太少")),
        ),
    ),
    (
        "city",
        "市容市政",
        1,
        (
            ("city-light", "路灯照明", 40, "street", ("路灯不亮", "小区路灯损坏夜间漆黑")),
            ("city-stall", "占道经营", 35, "unit", ("流动摊贩占道经营", "商户占道堆放货物")),
            ("city-ad", "违规广告", 10, "unit", ("小广告乱贴乱画", "违规户外广告牌")),
            ("city-build", "违章建筑", 25, "street", ("楼顶违章搭建", "私搭乱建占用绿地")),
            ("city-green", "绿化养护", 15, "community", ("绿化带杂草丛生", "树木遮挡采光需修剪")),
        ),
    ),
    (
        "water",
        "供水排水",
        5,
        (
            ("water-outage", "停水", 25, "unit", ("突然停水无通知", "水压太低高层用水难")),
            ("water-quality", "水质问题", 10, "unit", ("自来水发黄有异味",)),
            ("water-drain", "下水道堵塞", 30, "community", ("下水道堵塞污水外溢", "雨水井盖缺失")),
            ("water-flood", "积水内涝", 12, "street", ("下雨路面积水严重",)),
        ),
    ),
    (
        "market",
        "市场监管",
        4,
        (
            ("market-food", "食品安全", 15, "unit", ("商店出售过期食品", "餐馆卫生条件差")),
            ("market-price", "价格投诉", 8, "unit", ("菜市场缺斤短两", "商户价格欺诈")),
            ("market-consumer", "消费维权", 12, "unit", ("预付卡商家跑路", "培训机构拒不退费")),
        ),
    ),
    (
        "social",
        "社会保障",
        11,
        (
            ("social-wage", "拖欠工资", 12, "unit", ("工地拖欠农民工工资", "公司拖欠工资")),
            ("social-pension", "养老服务", 10, "community", ("社区养老服务中心开放时间短", "高龄补贴未发放")),
            ("social-aid", "困难救助", 8, "community", ("低保申请进度慢", "临时救助申请")),
            ("social-insurance", "医保社保", 9, "unit", ("医保报销手续繁琐", "社保转移接续困难")),
        ),
    ),
    (
        "edu",
        "教育医疗",
        6,
        (
            ("edu-school", "入学问题", 10, "unit", ("孩子入学划片不合理", "学校门口接送拥堵")),
            ("edu-clinic", "社区医疗", 8, "unit", ("社区卫生服务站看病排队久", "家庭医生签约服务不到位")),
            ("edu-childcare", "托育服务", 4, "community", ("小区缺少托育机构",)),
        ),
    ),
    (
        "safety",
        "公共安全",
        9,
        (
            ("safety-fire", "消防安全", 15, "street", ("楼道堆放杂物有消防隐患", "电动车楼道充电")),
            ("safety-security", "治安问题", 10, "unit", ("小区频繁发生盗窃", "夜间有人聚集喧哗")),
            ("safety-gas", "燃气安全", 6, "unit", ("燃气管道老化漏气",)),
            ("safety-dog", "文明养犬", 14, "community", ("遛狗不牵绳", "犬只粪便无人清理")),
        ),
    ),
    (
        "community",
        "社区事务",
        8,
        (
            ("community-facility", "公共设施", 20, "community", ("健身器材损坏", "小区缺少休息座椅")),
            (
                "community-renovation",
                "老旧小区改造",
                18,
                "street",
                ("老旧小区改造施工扰民", "加装电梯协调难"),
            ),
            ("community-dispute", "邻里纠纷", 15, "community", ("楼上楼下漏水纠纷", "邻居占用公共楼道")),
            ("community-service", "便民服务", 10, "community", ("社区办事窗口开放时间不便",)),
        ),
    ),
)

# Text fragments combined around the problem phrase.
WHEN = (
    "最近一段时间",
    "近一个月来",
    "这几天",
    "每天晚上",
    "周末",
    "入冬以来",
    "雨季以来",
    "今年以来",
    "长期以来",
    "昨天",
)
IMPACT = (
    "严重影响居民正常生活",
    "老人和孩子出行很不方便",
    "居民意见很大",
    "存在安全隐患",
    "多次反映仍未解决",
    "给周边住户带来困扰",
)
REQUEST = (
    "希望有关部门尽快处理。",
    "请社区协调解决。",
    "恳请相关单位加强管理。",
    "希望尽快派人查看。",
    "请给予答复。",
    "希望能彻底解决这个问题。",
)
REPLY_TEXTS = (
    "已联系相关单位现场处理，问题已解决。",
    "经协调，已安排专人跟进整改，感谢您的反映。",
    "已现场核实并完成维修，请您监督。",
    "已约谈责任单位，限期整改完毕。",
)
RESOLVE_NOTES = ("已现场处理完毕。", "已协调责任单位整改到位。", "已维修完成。", "已加强日常巡查管理。")
CONTACT_NOTES = ("已电话联系反映人，了解具体情况。", "已上门与反映人沟通。")
REJECT_REASONS = ("不属于本平台受理范围，已告知反映人通过司法途径解决。", "反映内容不清，无法核实。")
RATING_COMMENTS = ("问题没有真正解决。", "处理太慢。")
