"""Query and Scan: key conditions, ordering, paging, filters, Select COUNT, projections, parallel scan."""

from decimal import Decimal

import pytest

from gwhelpers import batch_put, raises_ddb

# Partition p1 of the numeric table: 30 sort keys, chosen so numeric order differs from string order.
P1_KEYS = sorted([Decimal(i) for i in range(-10, 18)] + [Decimal("1.5"), Decimal("100")])
P2_KEYS = [Decimal(i) for i in range(1, 6)]
# The string table's sort keys in DynamoDB's order: UTF-8 bytes.
S1_KEYS = sorted(["a", "ab", "abc", "b", "ba", "B", "Z", "é", "a b"], key=lambda s: s.encode())


def n(d):
    return {"N": str(d)}


def p1_item(sk):
    integral = sk == sk.to_integral_value()
    return {"pk": {"S": "p1"}, "sk": n(sk), "even": {"BOOL": bool(integral and int(sk) % 2 == 0)},
            "tag": {"S": f"t{int(sk) % 3}"}, "payload": {"S": "x" * 10}, "year": n(2000 + int(sk))}


@pytest.fixture(scope="module")
def ntable(ddb, module_tables):
    name = module_tables.create("qnum", hash_key=("pk", "S"), range_key=("sk", "N"))
    items = [p1_item(sk) for sk in P1_KEYS]
    items += [{"pk": {"S": "p2"}, "sk": n(sk), "tag": {"S": "p2"}} for sk in P2_KEYS]
    batch_put(ddb, name, items)
    return name


@pytest.fixture(scope="module")
def stable(ddb, module_tables):
    name = module_tables.create("qstr", hash_key=("pk", "S"), range_key=("sk", "S"))
    batch_put(ddb, name, [{"pk": {"S": "s1"}, "sk": {"S": s}} for s in S1_KEYS])
    return name


def sks(items):
    return [Decimal(it["sk"]["N"]) for it in items]


def query_all(ddb, **kwargs):
    """All pages of a query; returns (items, pages)."""
    items, pages, start = [], [], None
    for _ in range(100):
        if start is not None:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.query(**kwargs)
        pages.append(page)
        items.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return items, pages
    pytest.fail("Query paging did not end within 100 pages")


def scan_all(ddb, **kwargs):
    items, pages, start = [], [], None
    for _ in range(200):
        if start is not None:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        pages.append(page)
        items.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return items, pages
    pytest.fail("Scan paging did not end within 200 pages")


P1 = {":p": {"S": "p1"}}


# ---------------------------------------------------------------------------------------------
# Query


def test_query_returns_partition_in_numeric_order(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=P1,
                     ConsistentRead=True)
    assert sks(resp["Items"]) == P1_KEYS, f"ascending numeric sort-key order: {sks(resp['Items'])}"
    assert resp["Count"] == len(P1_KEYS) and resp["ScannedCount"] == len(P1_KEYS)
    assert "LastEvaluatedKey" not in resp, "a query that fits in one page has no LastEvaluatedKey"
    assert resp["Items"][0] == p1_item(P1_KEYS[0]), "items come back whole"


def test_query_scan_index_forward_false(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=P1,
                     ScanIndexForward=False)
    assert sks(resp["Items"]) == P1_KEYS[::-1], "ScanIndexForward=false returns descending sort keys"


@pytest.mark.parametrize("cond, values, want", [
    ("sk = :a", {":a": n(2)}, lambda k: k == 2),
    ("sk < :a", {":a": n(0)}, lambda k: k < 0),
    ("sk <= :a", {":a": n(0)}, lambda k: k <= 0),
    ("sk > :a", {":a": n(15)}, lambda k: k > 15),
    ("sk >= :a", {":a": n("1.5")}, lambda k: k >= Decimal("1.5")),
    ("sk BETWEEN :a AND :b", {":a": n(1), ":b": n(2)}, lambda k: 1 <= k <= 2),
    ("sk BETWEEN :a AND :b", {":a": n(-3), ":b": n(-3)}, lambda k: k == -3),
    ("sk > :a", {":a": n(1000)}, lambda k: False),
])
def test_query_sort_key_conditions(ddb, ntable, cond, values, want):
    resp = ddb.query(TableName=ntable, KeyConditionExpression=f"pk = :p AND {cond}",
                     ExpressionAttributeValues=dict(P1, **values))
    expected = [k for k in P1_KEYS if want(k)]
    assert sks(resp["Items"]) == expected, f"{cond} with {values}: got {sks(resp['Items'])}, want {expected}"
    assert resp["Count"] == len(expected)


def test_query_key_condition_with_attribute_names(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="#p = :p AND #s BETWEEN :a AND :b",
                     ExpressionAttributeNames={"#p": "pk", "#s": "sk"},
                     ExpressionAttributeValues=dict(P1, **{":a": n(3), ":b": n(5)}))
    assert sks(resp["Items"]) == [3, 4, 5]


def test_query_string_sort_keys_byte_order_and_begins_with(ddb, stable):
    s1 = {":p": {"S": "s1"}}
    resp = ddb.query(TableName=stable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=s1)
    got = [it["sk"]["S"] for it in resp["Items"]]
    assert got == S1_KEYS, f"string sort keys are ordered by UTF-8 bytes: {got}"
    resp = ddb.query(TableName=stable, KeyConditionExpression="pk = :p AND begins_with(sk, :pre)",
                     ExpressionAttributeValues=dict(s1, **{":pre": {"S": "a"}}))
    got = [it["sk"]["S"] for it in resp["Items"]]
    assert got == ["a", "a b", "ab", "abc"], f"begins_with(sk, 'a'): {got}"
    resp = ddb.query(TableName=stable, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                     ExpressionAttributeValues=dict(s1, **{":a": {"S": "B"}, ":b": {"S": "a"}}), ScanIndexForward=False)
    got = [it["sk"]["S"] for it in resp["Items"]]
    assert got == ["a", "Z", "B"], f"BETWEEN 'B' AND 'a', descending: {got}"


def test_query_empty_partition(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "nobody"}})
    assert resp["Items"] == [] and resp["Count"] == 0 and resp["ScannedCount"] == 0, resp
    assert "LastEvaluatedKey" not in resp


@pytest.mark.parametrize("forward", [True, False])
def test_query_paging_with_limit(ddb, ntable, forward):
    items, pages = query_all(ddb, TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=P1,
                             Limit=7, ScanIndexForward=forward)
    want = P1_KEYS if forward else P1_KEYS[::-1]
    assert sks(items) == want, f"pages of 7 concatenate to the whole partition in order: {sks(items)}"
    for page in pages[:-1]:
        assert page["Count"] == 7, f"every page but the last holds Limit items: {page['Count']}"
        assert set(page["LastEvaluatedKey"]) == {"pk", "sk"}, (
            f"LastEvaluatedKey holds the table's key attributes only: {page['LastEvaluatedKey']}")
        assert page["LastEvaluatedKey"] == {"pk": {"S": "p1"}, "sk": page["Items"][-1]["sk"]}, (
            "LastEvaluatedKey is the key of the page's last item")
    assert len(pages) in (5, 6), f"30 items by 7: 5 pages (or 6 with an empty last one), got {len(pages)}"


def test_query_exclusive_start_key_resumes_after_it(ddb, ntable):
    start = {"pk": {"S": "p1"}, "sk": n(10)}
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=P1,
                     ExclusiveStartKey=start)
    assert sks(resp["Items"]) == [k for k in P1_KEYS if k > 10]
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=P1,
                     ExclusiveStartKey=start, ScanIndexForward=False)
    assert sks(resp["Items"]) == [k for k in P1_KEYS[::-1] if k < 10]


def test_query_filter_expression_counts(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", FilterExpression="even = :t",
                     ExpressionAttributeValues=dict(P1, **{":t": {"BOOL": True}}))
    want = [k for k in P1_KEYS if p1_item(k)["even"]["BOOL"]]
    assert sks(resp["Items"]) == want
    assert resp["Count"] == len(want), "Count counts the items after the filter"
    assert resp["ScannedCount"] == len(P1_KEYS), "ScannedCount counts the items read before the filter"

    # Limit bounds the items read, not the items returned.
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", FilterExpression="even = :t",
                     ExpressionAttributeValues=dict(P1, **{":t": {"BOOL": True}}), Limit=10)
    first10 = P1_KEYS[:10]
    assert resp["ScannedCount"] == 10, f"Limit=10 reads 10 items: ScannedCount={resp['ScannedCount']}"
    assert sks(resp["Items"]) == [k for k in first10 if p1_item(k)["even"]["BOOL"]]
    assert resp["LastEvaluatedKey"] == {"pk": {"S": "p1"}, "sk": n(first10[-1])}, (
        "LastEvaluatedKey is the last item read, even when the filter dropped it")


def test_query_filter_with_names_and_functions(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p",
                     FilterExpression="#y BETWEEN :a AND :b AND begins_with(tag, :t) AND attribute_exists(payload)",
                     ExpressionAttributeNames={"#y": "year"},
                     ExpressionAttributeValues=dict(P1, **{":a": n(2000), ":b": n(2010), ":t": {"S": "t0"}}))
    want = [k for k in P1_KEYS if 2000 <= 2000 + int(k) <= 2010 and int(k) % 3 == 0]
    assert sks(resp["Items"]) == want, f"got {sks(resp['Items'])}, want {want}"


def test_query_select_count(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=P1, Select="COUNT")
    assert "Items" not in resp, "Select=COUNT returns no Items"
    assert resp["Count"] == len(P1_KEYS) and resp["ScannedCount"] == len(P1_KEYS)
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p AND sk < :z", FilterExpression="even = :t",
                     ExpressionAttributeValues=dict(P1, **{":t": {"BOOL": True}, ":z": n(0)}), Select="COUNT")
    assert resp["Count"] == 5 and resp["ScannedCount"] == 10, f"negatives -10..-1: 5 even of 10: {resp}"


def test_query_projection_expression(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p AND sk = :s", ProjectionExpression="tag, #y",
                     ExpressionAttributeNames={"#y": "year"}, ExpressionAttributeValues=dict(P1, **{":s": n(4)}))
    assert resp["Items"] == [{"tag": {"S": "t1"}, "year": n(2004)}], f"only the projected attributes: {resp['Items']}"


def test_query_consumed_capacity(ddb, ntable):
    resp = ddb.query(TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=P1,
                     ReturnConsumedCapacity="TOTAL")
    cc = resp.get("ConsumedCapacity")
    assert cc and cc["TableName"] == ntable and cc["CapacityUnits"] == 0.5, (
        f"30 small items (< 4 KB together), eventually consistent: 0.5 RCU: {cc}")


@pytest.mark.parametrize("case", [
    "no_partition_key", "non_key_attribute", "begins_with_on_number", "range_op_on_partition_key",
    "filter_on_key_attribute", "or_in_key_condition", "bad_exclusive_start_key", "reserved_word",
])
def test_query_validation(ddb, ntable, case):
    kwargs = dict(TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues=dict(P1))
    if case == "no_partition_key":
        kwargs.update(KeyConditionExpression="sk = :s", ExpressionAttributeValues={":s": n(1)})
    elif case == "non_key_attribute":
        kwargs.update(KeyConditionExpression="pk = :p AND tag = :t",
                      ExpressionAttributeValues=dict(P1, **{":t": {"S": "t0"}}))
    elif case == "begins_with_on_number":
        kwargs.update(KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                      ExpressionAttributeValues=dict(P1, **{":s": n(1)}))
    elif case == "range_op_on_partition_key":
        kwargs.update(KeyConditionExpression="pk > :p")
    elif case == "filter_on_key_attribute":
        kwargs.update(FilterExpression="sk > :s", ExpressionAttributeValues=dict(P1, **{":s": n(1)}))
    elif case == "or_in_key_condition":
        kwargs.update(KeyConditionExpression="pk = :p OR sk = :s", ExpressionAttributeValues=dict(P1, **{":s": n(1)}))
    elif case == "bad_exclusive_start_key":
        kwargs.update(ExclusiveStartKey={"pk": {"S": "p1"}})
    elif case == "reserved_word":
        kwargs.update(FilterExpression="year > :y", ExpressionAttributeValues=dict(P1, **{":y": n(1)}))
    with raises_ddb("ValidationException"):
        ddb.query(**kwargs)


# ---------------------------------------------------------------------------------------------
# Scan


ALL_KEYS = sorted([("p1", k) for k in P1_KEYS] + [("p2", k) for k in P2_KEYS])


def keyset(items):
    return [(it["pk"]["S"], Decimal(it["sk"]["N"])) for it in items]


def test_scan_whole_table(ddb, ntable):
    items, pages = scan_all(ddb, TableName=ntable, ConsistentRead=True)
    assert sorted(keyset(items)) == ALL_KEYS, "Scan returns every item exactly once"
    for it in items:
        if it["pk"]["S"] == "p1":
            assert it == p1_item(Decimal(it["sk"]["N"])), f"scanned item differs from the one written: {it}"


def test_scan_paging_with_limit(ddb, ntable):
    items, pages = scan_all(ddb, TableName=ntable, Limit=4)
    got = keyset(items)
    assert len(got) == len(set(got)), "no item appears on two pages"
    assert sorted(got) == ALL_KEYS, "the pages together hold every item"
    for page in pages[:-1]:
        assert page["Count"] == 4 and page["ScannedCount"] == 4, f"full pages hold Limit items: {page['Count']}"
        assert set(page["LastEvaluatedKey"]) == {"pk", "sk"}, page["LastEvaluatedKey"]
    # Within a partition, a scan returns sort-key order (DynamoDB reads each partition in key order).
    p1 = [k for pk, k in got if pk == "p1"]
    assert p1 == P1_KEYS, "a partition's items are scanned in sort-key order"


@pytest.mark.parametrize("total", [1, 3, 8])
def test_parallel_scan_segments_partition_the_table(ddb, ntable, total):
    seen = {}
    for segment in range(total):
        items, _ = scan_all(ddb, TableName=ntable, Segment=segment, TotalSegments=total, Limit=5)
        for key in keyset(items):
            assert key not in seen, f"{key} in segments {seen.get(key)} and {segment} of {total}"
            seen[key] = segment
    assert sorted(seen) == ALL_KEYS, f"the {total} segments together hold every item exactly once"


def test_scan_filter_and_counts(ddb, ntable):
    items, pages = scan_all(ddb, TableName=ntable, FilterExpression="tag = :t", ExpressionAttributeValues={":t": {"S": "p2"}})
    assert sorted(keyset(items)) == [("p2", k) for k in P2_KEYS]
    assert sum(p["ScannedCount"] for p in pages) == len(ALL_KEYS), "ScannedCount adds up to the whole table"
    assert sum(p["Count"] for p in pages) == len(P2_KEYS)

    page = ddb.scan(TableName=ntable, Limit=6, FilterExpression="attribute_not_exists(payload)")
    assert page["ScannedCount"] == 6, f"Limit bounds the items read: {page['ScannedCount']}"
    assert page["Count"] == len(page["Items"]) <= 6
    assert "LastEvaluatedKey" in page


def test_scan_select_count_and_projection(ddb, ntable):
    total = 0
    start = None
    for _ in range(50):
        kwargs = dict(TableName=ntable, Select="COUNT")
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        assert "Items" not in page, "Select=COUNT returns no Items"
        total += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert total == len(ALL_KEYS), f"Select=COUNT counts every item: {total}"

    items, _ = scan_all(ddb, TableName=ntable, ProjectionExpression="sk, tag", FilterExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": "p2"}})
    assert sorted((Decimal(i["sk"]["N"]), i["tag"]["S"]) for i in items) == [(k, "p2") for k in P2_KEYS]
    assert all(set(i) == {"sk", "tag"} for i in items), f"projection keeps only sk and tag: {items[:2]}"


def _dynalite_xfail(reason):
    return pytest.mark.dynalite_xfail(reason=reason)


@pytest.mark.parametrize("kwargs", [
    pytest.param(dict(Segment=3, TotalSegments=3), id="segment_out_of_range"),
    pytest.param(dict(Segment=1), id="segment_without_total"),
    pytest.param(dict(Segment=0), id="segment0_without_total", marks=_dynalite_xfail(
        "dynalite tests `if (data.Segment && ...)`, so Segment=0 slips through")),
    pytest.param(dict(TotalSegments=2), id="total_without_segment"),
    pytest.param(dict(Segment=0, TotalSegments=1000001), id="too_many_segments", marks=_dynalite_xfail(
        "dynalite has no upper bound; API_Scan: TotalSegments maximum value of 1000000")),
    pytest.param(dict(ExclusiveStartKey={"pk": {"S": "p1"}}), id="incomplete_start_key"),
    pytest.param(dict(Select="COUNT", ProjectionExpression="tag"), id="count_with_projection", marks=_dynalite_xfail(
        "dynalite accepts it; API_Scan (Select): with ProjectionExpression, Select can only be "
        "SPECIFIC_ATTRIBUTES")),
])
def test_scan_validation(ddb, ntable, kwargs):
    with raises_ddb("ValidationException"):
        ddb.scan(TableName=ntable, **kwargs)


def test_scan_missing_table(ddb):
    with raises_ddb("ResourceNotFoundException"):
        ddb.scan(TableName="gwtest-missing-scan-table")
