"""A deployment with only two categories must train, calibrate, rank and explain like any other."""

from xinfang.nlp.classify import CategoryClassifier


def test_two_category_model():
    texts = [f"小区电梯故障第{i}次停运请物业维修电梯" for i in range(30)] + [
        f"公司拖欠工资第{i}个月请求支付劳动报酬" for i in range(30)
    ]
    labels = ["城乡建设"] * 30 + ["劳动和社会保障"] * 30
    clf = CategoryClassifier().fit(texts, labels)
    p = clf.predict_one("电梯停运请维修", k=2)
    assert p.top[0].label == "城乡建设" and len(p.top) == 2
    assert abs(sum(c.probability for c in p.top) - 1.0) < 1e-6
    assert any("电梯" in term for term, _w in p.terms)
    assert clf.predict_one("拖欠工资三个月", k=1).top[0].label == "劳动和社会保障"
