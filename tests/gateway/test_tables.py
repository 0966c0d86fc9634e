"""Table operations: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable."""

import datetime
import re

import pytest

from gwhelpers import key_schema, raises_ddb, unique_name, wait_active, wait_gone


def _arn_pattern(gw, name):
    return re.compile(r"^arn:aws:dynamodb:" + re.escape(gw.region) + r":\d{12}:table/" + re.escape(name) + r"$")


def _check_keys(desc, hash_key, range_key=None):
    ks, ad = key_schema(hash_key, range_key)
    assert desc["KeySchema"] == ks, f"KeySchema should be HASH then RANGE as created: {desc['KeySchema']}"
    assert sorted(desc["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == \
        sorted(ad, key=lambda a: a["AttributeName"]), f"AttributeDefinitions: {desc['AttributeDefinitions']}"


def test_create_table_hash_key_on_demand(ddb, gateway, tables):
    name = tables.adopt(unique_name("create"))
    ks, ad = key_schema(("id", "S"))
    desc = ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad,
                            BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] in ("CREATING", "ACTIVE"), f"new table status: {desc['TableStatus']}"
    _check_keys(desc, ("id", "S"))
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST", desc.get("BillingModeSummary")
    # On-demand tables report zero provisioned capacity.
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (0, 0), f"on-demand throughput: {pt}"
    assert desc["ItemCount"] == 0 and desc["TableSizeBytes"] == 0, "a new table is empty"
    assert isinstance(desc["CreationDateTime"], datetime.datetime), "CreationDateTime is a timestamp"
    assert _arn_pattern(gateway, name).match(desc["TableArn"]), f"TableArn: {desc['TableArn']}"


def test_create_table_hash_and_range_provisioned(ddb, tables):
    name = tables.adopt(unique_name("create2"))
    ks, ad = key_schema(("artist", "S"), ("year", "N"))
    desc = ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode="PROVISIONED",
                            ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})["TableDescription"]
    _check_keys(desc, ("artist", "S"), ("year", "N"))
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (3, 4), f"provisioned throughput: {pt}"
    if "BillingModeSummary" in desc:
        assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED", desc["BillingModeSummary"]


def test_create_table_without_billing_mode_defaults_to_provisioned(ddb, tables):
    name = tables.adopt(unique_name("create3"))
    ks, ad = key_schema(("pk", "B"))
    desc = ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad,
                            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})["TableDescription"]
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    if "BillingModeSummary" in desc:
        assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    wait_active(ddb, name)


def test_describe_table_when_active(ddb, gateway, tables):
    before = datetime.datetime.now(datetime.timezone.utc)
    name = tables.create("describe", hash_key=("pk", "S"), range_key=("sk", "N"))
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["TableName"] == name
    assert t["TableStatus"] == "ACTIVE", f"status after the table_exists waiter: {t['TableStatus']}"
    _check_keys(t, ("pk", "S"), ("sk", "N"))
    assert _arn_pattern(gateway, name).match(t["TableArn"]), f"TableArn: {t['TableArn']}"
    created = t["CreationDateTime"]
    skew = datetime.timedelta(minutes=5)
    assert before - skew <= created <= datetime.datetime.now(datetime.timezone.utc) + skew, (
        f"CreationDateTime {created} should be about now ({before})")
    assert isinstance(t["ItemCount"], int) and t["ItemCount"] == 0
    assert isinstance(t["TableSizeBytes"], int) and t["TableSizeBytes"] == 0


def test_describe_table_counts_stay_plausible_after_writes(ddb, tables):
    # DynamoDB refreshes ItemCount/TableSizeBytes only about every six hours, so any figure the
    # table had since it was created (0 to 3 items here) is acceptable; anything else is wrong.
    # ddb answers from a replica, which may not have applied the latest writes yet.
    name = tables.create("counts")
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "v": {"S": "x" * 100}})
    t = ddb.describe_table(TableName=name)["Table"]
    assert 0 <= t["ItemCount"] <= 3, f"ItemCount {t['ItemCount']} was never the table's count"
    assert t["TableSizeBytes"] >= t["ItemCount"] * 100, \
        f"TableSizeBytes {t['TableSizeBytes']} too small for {t['ItemCount']} items"


def test_describe_missing_table(ddb):
    name = unique_name("missing")
    with raises_ddb("ResourceNotFoundException", message_contains="Requested resource not found"):
        ddb.describe_table(TableName=name)


def test_create_existing_table_is_resource_in_use(ddb, tables):
    name = tables.create("dup")
    ks, ad = key_schema(("pk", "S"))
    with raises_ddb("ResourceInUseException"):
        ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode="PAY_PER_REQUEST")


@pytest.mark.parametrize("case", [
    "key_not_defined", "extra_definition", "bad_attribute_type", "two_hash_keys",
    "provisioned_without_throughput", "on_demand_with_throughput",
])
def test_create_table_validation(ddb, tables, case):
    name = tables.adopt(unique_name("badcreate"))
    kwargs = dict(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                  BillingMode="PAY_PER_REQUEST")
    if case == "key_not_defined":
        kwargs["AttributeDefinitions"] = [{"AttributeName": "other", "AttributeType": "S"}]
    elif case == "extra_definition":
        kwargs["AttributeDefinitions"].append({"AttributeName": "unused", "AttributeType": "N"})
    elif case == "bad_attribute_type":
        kwargs["AttributeDefinitions"] = [{"AttributeName": "pk", "AttributeType": "BOOL"}]
    elif case == "two_hash_keys":
        kwargs["KeySchema"].append({"AttributeName": "sk", "KeyType": "HASH"})
        kwargs["AttributeDefinitions"].append({"AttributeName": "sk", "AttributeType": "S"})
    elif case == "provisioned_without_throughput":
        kwargs["BillingMode"] = "PROVISIONED"
    elif case == "on_demand_with_throughput":
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    with raises_ddb("ValidationException"):
        ddb.create_table(**kwargs)
    with raises_ddb("ResourceNotFoundException"):
        ddb.describe_table(TableName=name)


def _all_table_names(ddb, **kwargs):
    names = []
    for page in ddb.get_paginator("list_tables").paginate(**kwargs):
        names.extend(page["TableNames"])
    return names


def test_list_tables_membership_order_and_paging(ddb, tables):
    prefix = unique_name("list")
    names = [tables.adopt(f"{prefix}-{suffix}") for suffix in ("a", "b", "c")]
    ks, ad = key_schema(("pk", "S"))
    for n in names:
        ddb.create_table(TableName=n, KeySchema=ks, AttributeDefinitions=ad, BillingMode="PAY_PER_REQUEST")
    for n in names:
        wait_active(ddb, n)

    listed = _all_table_names(ddb)
    for n in names:
        assert n in listed, f"{n} missing from ListTables"
    assert listed == sorted(listed), "ListTables returns names in ascending order"
    assert len(listed) == len(set(listed)), "paging through ListTables must not repeat a name"

    page = ddb.list_tables(ExclusiveStartTableName=names[0], Limit=1)
    assert page["TableNames"] == [names[1]], f"the page after {names[0]}: {page['TableNames']}"
    assert page.get("LastEvaluatedTableName") == names[1], (
        f"a full page (Limit reached, more tables follow) names its last table: {page.get('LastEvaluatedTableName')}")

    page = ddb.list_tables(ExclusiveStartTableName=page["LastEvaluatedTableName"], Limit=1)
    assert page["TableNames"] == [names[2]], f"the page after {names[1]}: {page['TableNames']}"

    after_first = _all_table_names(ddb, ExclusiveStartTableName=names[0])
    assert names[0] not in after_first and names[1] in after_first and names[2] in after_first, (
        "ExclusiveStartTableName excludes that table and everything before it")


def test_list_tables_limit_validation(ddb):
    with raises_ddb("ValidationException", message_contains="100"):
        ddb.list_tables(Limit=101)


def test_update_table_throughput_and_billing_mode(ddb, tables):
    name = tables.create("update", billing="PROVISIONED", throughput=(1, 1))
    desc = ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 6})
    desc = desc["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] in ("UPDATING", "ACTIVE"), desc["TableStatus"]
    wait_active(ddb, name)
    pt = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (5, 6), f"throughput after UpdateTable: {pt}"

    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    wait_active(ddb, name)
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST", f"billing mode: {t.get('BillingModeSummary')}"

    # Back to provisioned needs explicit throughput.
    with raises_ddb("ValidationException"):
        ddb.update_table(TableName=name, BillingMode="PROVISIONED")
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 3})
    wait_active(ddb, name)
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["BillingModeSummary"]["BillingMode"] == "PROVISIONED", f"billing mode: {t.get('BillingModeSummary')}"
    pt = t["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (2, 3), f"throughput: {pt}"
    # Items survive the mode changes.
    ddb.put_item(TableName=name, Item={"pk": {"S": "still-works"}})
    assert "Item" in ddb.get_item(TableName=name, Key={"pk": {"S": "still-works"}}, ConsistentRead=True)


def test_update_table_same_throughput_is_rejected(ddb, tables):
    # "The provisioned throughput for the table will not change. The requested value equals the
    # current value." (ValidationException)
    name = tables.create("update-same", billing="PROVISIONED", throughput=(2, 2))
    with raises_ddb("ValidationException"):
        ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})


def test_update_table_on_demand_with_throughput_is_rejected(ddb, tables):
    name = tables.create("update-od")
    with raises_ddb("ValidationException"):
        ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})


def test_update_missing_table(ddb):
    with raises_ddb("ResourceNotFoundException"):
        ddb.update_table(TableName=unique_name("missing"),
                         ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})


def test_delete_table(ddb, tables):
    name = tables.create("delete")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    desc = ddb.delete_table(TableName=name)["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] in ("DELETING", "ACTIVE"), f"status in DeleteTable's answer: {desc['TableStatus']}"
    wait_gone(ddb, name)
    with raises_ddb("ResourceNotFoundException"):
        ddb.describe_table(TableName=name)
    assert name not in _all_table_names(ddb), "a deleted table is not listed"
    with raises_ddb("ResourceNotFoundException"):
        ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})
    with raises_ddb("ResourceNotFoundException"):
        ddb.delete_table(TableName=name)


def test_recreate_deleted_table_is_empty(ddb, tables):
    name = tables.create("recreate")
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}})
    ddb.delete_table(TableName=name)
    wait_gone(ddb, name)
    ks, ad = key_schema(("pk", "S"))
    ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode="PAY_PER_REQUEST")
    wait_active(ddb, name)
    resp = ddb.get_item(TableName=name, Key={"pk": {"S": "old"}}, ConsistentRead=True)
    assert "Item" not in resp, "a table created again under an old name must not see the old items"
