"""Emerging topics among comments that fit no theme."""

from doorstep.insight.clustering import emerging_topics

INVOICE = ["没有给发票", "说好的发票呢", "发票不给开", "要的发票呢？", "没带发票，差评"]
LOGIN = ["app老是闪退，登录不了", "APP登录不了", "登录一直失败", "app登录失败", "登录不了app"]
RICE = ["米饭太硬了", "米饭有点硬", "米饭夹生，太硬"]
OTHER = ["今天天气不错", "谢谢", "hello world"]


def test_groups_similar_comments_with_terms_and_verbatim_examples() -> None:
    topics = emerging_topics(INVOICE + LOGIN + RICE + OTHER, max_topics=5, min_size=3)
    by_term = {t.terms[0]: t for t in topics}
    assert {"发票", "登录", "米饭"} <= set(by_term)
    assert by_term["发票"].size == 5 and set(by_term["发票"].examples) <= set(INVOICE)
    assert len(by_term["发票"].examples) == 3 and len(set(by_term["发票"].examples)) == 3
    assert [t.size for t in topics] == sorted((t.size for t in topics), reverse=True)


def test_deterministic_and_bounded() -> None:
    texts = INVOICE + LOGIN + RICE + OTHER
    assert emerging_topics(texts) == emerging_topics(texts)
    assert len(emerging_topics(texts, max_topics=1)) == 1
    assert emerging_topics(texts, min_size=6) == []
    assert emerging_topics([]) == [] and emerging_topics(["", "好"]) == []


def test_english_topics() -> None:
    texts = ["the app crashes on login", "login crashes the app", "app login is broken", "cannot login to the app"]
    (topic,) = emerging_topics([*texts, "nice", "thanks"], min_size=3)
    assert {"app", "login"} <= set(topic.terms) and topic.size == 4
