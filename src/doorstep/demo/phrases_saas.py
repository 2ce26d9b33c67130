"""What B2B SaaS customers write about their onboarding, by topic, in Chinese, English and mixed.

Placeholders: {weeks} how much a stage slipped (“两周”, “two weeks”).
"""

from __future__ import annotations

ZH: dict[str, tuple[str, ...]] = {
    "late_contract": (
        "合同审批走了很久",
        "签约流程太繁琐，拖了{weeks}",
        "法务来回改合同，耽误了{weeks}",
    ),
    "late_deployment": (
        "部署拖了{weeks}",
        "部署进度太慢，比计划晚了{weeks}",
        "环境搭建一直出问题，部署拖了很久",
        "部署阶段一拖再拖，项目都延期了",
        "实施团队部署太慢，我们的上线计划全被打乱了",
        "部署到一半卡住了，等了好久才解决",
    ),
    "late_training": ("培训一拖再拖", "培训排期太晚了，等了{weeks}", "培训时间改了好几次"),
    "late_go_live": ("上线延期了{weeks}", "上线时间一再推迟", "切换上线拖了很久"),
    "late_adoption": (
        "推广很慢，同事们都不愿意用",
        "用了一个多月还没真正用起来",
        "系统推广进度比预期慢很多",
    ),
    "training_poor": (
        "培训讲得不清楚",
        "培训太敷衍了，讲师自己都不熟",
        "培训时间太短，很多功能没讲",
        "培训内容跟我们的业务不相关",
        "培训完了还是不会用",
        "培训材料是旧版本的，界面都对不上",
        "讲师照着PPT念，没什么用",
    ),
    "documentation": (
        "文档太少，看不懂",
        "文档过时了，和产品对不上",
        "找不到API文档",
        "帮助文档写得太简单",
        "文档全是英文，没有中文版",
    ),
    "support_response": (
        "客服响应太慢",
        "提了工单三天没人回",
        "技术支持找不到人",
        "问题报上去一直没有回复",
        "客服只会让我们等",
        "支持响应太慢，问题拖了一周",
    ),
    "stability": (
        "系统经常崩溃",
        "上线当天系统就宕机了",
        "上线后频繁报错",
        "系统很不稳定，经常卡死",
        "上线那天出了故障，影响了业务",
    ),
    "pricing": ("价格太贵", "续费涨价太多了", "功能不多，价格不便宜", "报价不透明，有很多隐藏费用"),
    "pos_fast": (
        "部署很快，一点都不拖",
        "按计划上线，很顺利",
        "上线比预期还早",
        "项目进度一点都不慢",
        "实施团队效率很高",
    ),
    "pos_training": (
        "培训讲得很清楚",
        "培训很实用，同事们很快就上手了",
        "讲师很专业，问题都解答了",
        "培训安排得很好",
    ),
    "pos_support": ("客服响应很及时", "技术支持很专业，问题当天就解决了", "有问题随时能找到人"),
    "pos_general": (
        "产品很好用",
        "整体很满意",
        "系统很稳定，从没出过问题",
        "性价比很高",
        "推荐给同行了",
        "界面简洁，容易上手",
    ),
    "neutral": (
        "还行",
        "总体还可以",
        "功能够用，没什么亮点",
        "符合预期",
        "一般，还在评估中",
        "部署和培训都按计划完成了，效果还要再看",
    ),
    "neg_general": ("不太满意", "和销售承诺的不一样", "功能缺得太多", "用起来很麻烦"),
}

EN: dict[str, tuple[str, ...]] = {
    "late_contract": (
        "Contract process took way too long",
        "Legal back-and-forth dragged on for {weeks}",
        "Signing took {weeks} longer than it should have",
    ),
    "late_deployment": (
        "Deployment took forever",
        "deployment slipped by {weeks}",
        "The rollout kept getting pushed back",
        "Setup was {weeks} behind schedule",
        "Environment setup was a mess and took ages",
        "Deployment stalled halfway for days",
    ),
    "late_training": (
        "Training was postponed twice",
        "had to wait {weeks} for a training slot",
        "Training got rescheduled over and over",
    ),
    "late_go_live": (
        "Go-live slipped by {weeks}",
        "go-live date kept moving",
        "Cutover was delayed again and again",
    ),
    "late_adoption": (
        "Adoption is slow, the team isn't using it",
        "Still not really in use after a month",
        "Rollout to users is dragging",
    ),
    "training_poor": (
        "Training was useless",
        "the trainer didn't know the product",
        "training session was too short, skipped half the features",
        "The training was generic, nothing about our workflows",
        "Still don't know how to use it after the training",
        "training materials were for an old version",
        "trainer just read the slides",
    ),
    "documentation": (
        "the docs are outdated",
        "Documentation is thin and confusing",
        "Couldn't find any API docs",
        "docs don't match the UI anymore",
        "Help center articles are useless",
    ),
    "support_response": (
        "support never answered my ticket",
        "Support takes days to respond",
        "Opened a ticket, heard nothing for a week",
        "No one from support got back to us",
        "Support response times are terrible",
        "Escalated three times, still waiting on support",
    ),
    "stability": (
        "outage during go-live",
        "The system keeps crashing",
        "Frequent errors since launch",
        "We had downtime on day one",
        "platform is unstable, lots of timeouts",
    ),
    "pricing": (
        "Way too expensive",
        "Renewal price jumped a lot",
        "Pricing is not transparent, surprise fees",
        "Too pricey for what it does",
    ),
    "pos_fast": (
        "Deployment was quick, not late at all",
        "Went live on schedule",
        "Go-live was ahead of plan",
        "Smooth and fast rollout",
        "Implementation team was super efficient",
    ),
    "pos_training": (
        "great onboarding session",
        "Training was clear and practical",
        "The trainer answered all our questions",
        "Team was up and running right after training",
    ),
    "pos_support": (
        "Support answered within the hour",
        "Support is responsive and knowledgeable",
        "Always someone to help when we need it",
    ),
    "pos_general": (
        "Great product",
        "Very happy overall",
        "Rock solid, never had an outage",
        "Good value for money",
        "Already recommended it to peers",
        "Easy to use",
    ),
    "neutral": (
        "It's fine",
        "Does the job",
        "Meets expectations",
        "Still evaluating",
        "Deployment and training were done as planned, we'll see",
        "ok so far",
    ),
    "neg_general": (
        "Not satisfied",
        "Not what sales promised",
        "Missing too many features",
        "Clunky to use",
    ),
}

MIXED: dict[str, tuple[str, ...]] = {
    "training_poor": ("training讲得不清楚", "培训太basic了"),
    "support_response": ("support响应太慢了", "ticket三天没人回"),
    "late_deployment": ("deployment拖了{weeks}",),
    "stability": ("go-live当天系统down了",),
    "documentation": ("docs太少了，看不懂",),
    "pricing": ("price太贵了",),
    "pos_training": ("onboarding培训很棒",),
    "pos_support": ("support很给力",),
    "pos_general": ("产品很好用, great job",),
    "neutral": ("还ok",),
}

CLOSERS = {
    "zh": {
        "neg": (
            "",
            "",
            "",
            "希望尽快解决。",
            "我们在考虑换供应商了。",
            "请尽快给个答复。",
            "非常失望。",
        ),
        "mid": ("", "", "希望后续改进。", "希望下个阶段顺利些。"),
        "pos": ("", "", "", "感谢团队！", "期待后续合作！", "辛苦了！"),
    },
    "en": {
        "neg": (
            "",
            "",
            "",
            " Please escalate.",
            " We are reconsidering the renewal.",
            " Really not acceptable.",
        ),
        "mid": ("", "", " Hope the next phase goes better."),
        "pos": (
            "",
            "",
            "",
            " Thanks to the team!",
            " Looking forward to the next phase.",
            " Will recommend.",
        ),
    },
}
