"""What food-delivery customers write, by topic, in Chinese, English and a mix of both.

Topics name what happened (`late_delivered`, `spillage`, …) or what was praised
(`pos_hot`, …). Placeholders: {wait} total wait, {late} minutes late, {item} a
dish. Positive lines deliberately include negations ("一点都不凉", "not late at
all") and some negative ones are phrased without a negative word ("not hot at
all", "拿到手一点都不热"), so sentiment analysis has to read, not count words.
"""

from __future__ import annotations

ZH: dict[str, tuple[str, ...]] = {
    "late_delivered": (
        "送得太慢了，等了{wait}",
        "骑手送了好久，等了{wait}才到",
        "超时{late}分钟，饭都凉透了",
        "说好的准时达呢？晚了{late}分钟",
        "配送太慢，骑手一直在绕路",
        "显示已取餐，半天不动，等了{wait}",
        "预计时间早就过了还没送到，打电话也没人接",
        "又超时了，这个月已经第三次了",
        "送餐速度太慢了，饿得不行",
        "骑手取完餐又去送别的单，最后晚了{late}分钟",
    ),
    "late_prepared": (
        "出餐太慢了，商家一直在备餐",
        "店里出餐用了快半个小时",
        "骑手说在店里等了很久餐才做好",
        "备餐时间太长，晚了{late}分钟",
        "高峰期出餐慢可以理解，但也太慢了",
        "下单后半天显示还在制作中",
    ),
    "late_dispatched": (
        "下单后很久都没有骑手接单",
        "一直显示等待骑手接单，等了{wait}",
        "派单太慢，餐做好了没人送",
        "系统半天没派单，耽误了{late}分钟",
        "没人接单，只好打电话催",
    ),
    "late_picked_up": (
        "骑手很久才来取餐",
        "餐早就做好了，骑手迟迟不来取",
        "骑手到店太晚了，晚了{late}分钟",
        "接单后骑手二十分钟都没到店",
        "骑手取餐太慢，饭放在店里都凉了",
    ),
    "cold": (
        "饭菜都凉了",
        "送到的时候饺子已经凉了",
        "汤是温的，饺子是凉的",
        "拿到手一点都不热",
        "外卖送到都冰凉了，没法吃",
        "饺子凉了，皮都硬了",
        "饭菜凉透了，还得自己热一下",
    ),
    "spillage": (
        "汤洒了一半",
        "汤洒了，袋子里全是汤",
        "酸辣汤洒得到处都是",
        "打开袋子汤全洒了，饺子都泡了",
        "汤被洒了，包装袋湿透了",
        "骑手没放稳，汤洒了",
        "汤洒了，衣服也弄脏了",
    ),
    "packaging": (
        "包装破了",
        "餐盒被压坏了",
        "包装太简陋，盖子都没盖紧",
        "袋子破了个洞",
        "餐盒漏了，包装要改进",
        "包装被压扁了，饺子都粘在一起",
    ),
    "missing_items": (
        "少了一份{item}",
        "点的{item}没送来",
        "漏送了{item}，打电话也没解决",
        "少送了东西，{item}没有",
        "订单里的{item}没给，太粗心了",
        "{item}忘记放了",
    ),
    "courier_manner": (
        "骑手态度很差",
        "骑手很不耐烦，还骂人",
        "骑手不肯送上楼，让我下楼拿",
        "骑手说话很冲，体验很差",
        "放门口也不打个电话，态度恶劣",
        "骑手把餐扔在门口就走了",
    ),
    "pos_fast": (
        "准时送到，很好",
        "送得很快，一点都不慢",
        "比预计时间还早到了",
        "没有超时，很准时",
        "配送速度很快，赞",
        "不到半小时就送到了",
        "准时准点，没让我等",
    ),
    "pos_hot": (
        "不凉，很热乎，点赞",
        "一点都不凉，饺子还冒着热气",
        "送到还是热的，很好吃",
        "汤一滴都没洒，包装很好",
        "饭菜很热，没有凉",
        "饺子热乎乎的，皮薄馅大",
    ),
    "pos_courier": (
        "骑手很有礼貌",
        "骑手小哥很热情，还提醒我小心烫",
        "骑手服务态度很好，送到门口",
        "下雨天还准时送到，骑手辛苦了",
        "骑手很贴心，还帮忙带了垃圾下楼",
    ),
    "pos_general": (
        "很好吃，下次还点",
        "味道不错，分量足",
        "一如既往的好",
        "饺子很好吃，推荐",
        "非常满意",
        "好评",
        "没什么问题，很满意",
    ),
    "neutral": (
        "还行吧",
        "一般般",
        "中规中矩",
        "味道还可以，就是有点贵",
        "餐是按时送到的，味道一般",
        "没什么特别的",
        "还可以，没有惊喜",
        "正常水平",
    ),
    "neg_general": (
        "味道一般，不太满意",
        "饺子皮太厚了",
        "分量太少了",
        "不太好吃，有点咸",
        "价格贵，性价比不高",
        "和以前比差了很多",
    ),
}

EN: dict[str, tuple[str, ...]] = {
    "late_delivered": (
        "Took way too long, waited {wait}",
        "Delivery was {late} minutes late",
        "the driver took forever to get here",
        "driver went in circles, food arrived super late",
        "Order was marked picked up and then nothing for ages",
        "Late again. Third time this month",
        "waited {wait} for dumplings, not ok",
        "The estimated time came and went",
        "so slow, I was starving",
    ),
    "late_prepared": (
        "Restaurant took ages to prepare the order",
        "Kitchen was really slow, food was late",
        "Stuck on 'preparing' for half an hour",
        "The driver said he waited at the restaurant for a long time",
        "Busy hour I get it, but this was too slow",
    ),
    "late_dispatched": (
        "No driver accepted my order for ages",
        "It sat there waiting for a driver for {wait}",
        "Food was ready but nobody picked up the order",
        "Dispatch took forever, {late} minutes late in the end",
    ),
    "late_picked_up": (
        "The driver was very late to collect the food",
        "Food was ready long before the rider showed up",
        "Rider took forever to pick up my order",
        "Pickup was slow, food sat at the restaurant",
    ),
    "cold": (
        "Food arrived cold",
        "dumplings were cold by the time they got here",
        "Everything was lukewarm at best",
        "not hot at all",
        "cold food, had to microwave it",
        "The soup was cold and the dumplings were hard",
    ),
    "spillage": (
        "the soup spilled all over the bag",
        "soup spilled, half of it gone",
        "Bag was soaked, the soup leaked everywhere",
        "Soup was spilled and the dumplings were soggy",
        "Everything was covered in soup",
        "spilled soup all over my doorstep",
    ),
    "packaging": (
        "Packaging was broken",
        "the box was crushed",
        "Lid wasn't closed properly, it leaked",
        "bag was torn when it arrived",
        "Container was damaged",
    ),
    "missing_items": (
        "missing my {item}",
        "The {item} never arrived",
        "Order was incomplete, no {item}",
        "They forgot the {item}",
        "Missing items again, where is my {item}?",
    ),
    "courier_manner": (
        "driver was rude",
        "The rider was really impolite",
        "Courier refused to come up to my floor",
        "driver threw the bag at the door and left",
        "He was shouting on the phone, very unprofessional",
    ),
    "pos_fast": (
        "arrived early, still hot",
        "Right on time, great",
        "Super fast delivery",
        "not late at all, impressive",
        "On time as promised",
        "Quicker than expected",
    ),
    "pos_hot": (
        "Food was hot and fresh",
        "wasn't cold at all, nice and hot",
        "Soup didn't spill, well packed",
        "Still steaming when it arrived",
        "Hot dumplings, perfect",
    ),
    "pos_courier": (
        "Friendly driver",
        "The rider was very polite",
        "Courier was lovely, even in the rain",
        "driver called ahead, very helpful",
    ),
    "pos_general": (
        "Delicious, will order again",
        "Great food, great service",
        "Best dumplings in town",
        "Very happy",
        "no complaints",
        "Love it",
    ),
    "neutral": (
        "It was fine",
        "ok I guess",
        "Nothing special",
        "Average",
        "Food was delivered on time, taste was so-so",
        "decent, a bit pricey",
        "Not bad, not great",
    ),
    "neg_general": (
        "Didn't like the taste",
        "Portions were small",
        "Too salty",
        "Not worth the price",
        "Quality has gone down",
    ),
}

MIXED: dict[str, tuple[str, ...]] = {
    "spillage": ("骑手很nice但是汤洒了", "soup洒了一半，很无语"),
    "late_delivered": ("delivery太慢了，等了{wait}", "又late了，等了{wait}"),
    "cold": ("饭菜都cold了", "food都凉了，sad"),
    "courier_manner": ("骑手attitude很差",),
    "missing_items": ("少了一份{item}, please check",),
    "pos_fast": ("很快，very good", "准时送到 thanks"),
    "pos_hot": ("一点都不凉，nice", "still hot，点赞"),
    "pos_courier": ("骑手很nice",),
    "pos_general": ("好吃！will order again",),
    "neutral": ("还ok吧",),
}

ITEMS_ZH = ("饺子", "酸辣汤", "可乐", "锅贴", "凉菜", "米饭", "小馄饨")
ITEMS_EN = (
    "dumplings",
    "drinks",
    "hot and sour soup",
    "potstickers",
    "side dish",
    "rice",
    "wontons",
)

CLOSERS = {
    "zh": {
        "neg": ("", "", "", "希望改进。", "下次不点了。", "请给个说法。", "非常不满意！"),
        "mid": ("", "", "希望下次注意。", "下次注意一下。"),
        "pos": ("", "", "", "下次还会再来！", "谢谢！", "继续保持！"),
    },
    "en": {
        "neg": ("", "", "", " Please fix this.", " Not ordering again.", " Really not acceptable."),
        "mid": ("", "", " Please look into it."),
        "pos": ("", "", "", " Thanks!", " Keep it up!", " Will order again."),
    },
}
