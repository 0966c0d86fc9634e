#!/usr/bin/env python3
"""Writes man/ddb-*.1 for the cluster commands from the table below, so that every page has
the same sections (NAME, SYNOPSIS, DESCRIPTION, OPTIONS, OUTPUT, EXIT STATUS, EXAMPLES,
SEE ALSO) and the shared options and exit statuses are worded once. Run it after changing a
command's flags; tests/cmd/ddb_commands_test.sh runs every EXAMPLES line against a cluster
(with a table `music`, key artist:S and song:S, holding a few songs)."""
import os

COMMON_OPTIONS = [
    ("--cluster FILE", "The cluster file. Default: $DDB_CLUSTER, else ./.ddb/cluster.toml."),
]
PLAIN = ("--plain", "Items in and out as plain JSON ({\"artist\":\"a\"}) instead of DynamoDB JSON "
         "({\"artist\":{\"S\":\"a\"}}); numbers stay exact. Binaries and sets come out as base64 "
         "strings and arrays.")
NAMES = ("--names JSON", "ExpressionAttributeNames, a JSON object: {\"#y\":\"year\"}.")
VALUES = ("--values JSON", "ExpressionAttributeValues, DynamoDB JSON values: {\":v\":{\"N\":\"1\"}}.")
CONDITION = ("--condition EXPR", "A ConditionExpression the stored item must satisfy; when it does not, "
             "nothing is written and the exit status is 3.")

EXIT = [("0", "Success."), ("1", "An error (the line on standard error names it)."),
        ("2", "Usage error: unknown option, missing or malformed option value."),
        ("3", "A condition failed (ConditionalCheckFailedException)."),
        ("4", "The table does not exist (ResourceNotFoundException)."),
        ("5", "Throttled (ProvisionedThroughputExceededException and the like).")]

PAGES = {
  "ddb-cluster": dict(
    summary="create, start, stop and inspect a ddb cluster on this machine",
    synopsis=["[--cluster FILE] init [--dir DIR] [--nodes N] [--base-port P] [--gateway-listen HOST:PORT] [--force]",
              "[--cluster FILE] up", "[--cluster FILE] down", "[--cluster FILE] status",
              "[--cluster FILE] apply [--no-wait] [--timeout SECONDS]"],
    description="""\\fBinit\\fR writes a cluster file for a local cluster: N loopback nodes (default 3) on
ports base-port+1... (default 7100) with their data under DIR (default .ddb), a file:// backup
target, the development access key (AKIDDDBLOCAL00000001, secret
ddb-local-development-secret-do-not-use) and the gateway's address: 127.0.0.1:8000, or
127.0.0.1:base-port when --base-port is given, or --gateway-listen.
\\fBup\\fR starts every node of the cluster file that is not running (ddb-node --detach, pid
and log files next to the cluster file), then the gateway (ddb-gateway --detach, gateway.pid
and gateway.log), which serves DynamoDB's HTTP API for the aws CLI and the SDKs; with no
cluster file anywhere (no --cluster, no $DDB_CLUSTER, no ./.ddb/cluster.toml) it first writes
the default one under ./.ddb/. Nodes it starts while others of the file already run are
started with \\-\\-join (see ddb-node(1)); a cluster started from nothing is founded by all
its nodes. \\fBdown\\fR stops the gateway and the nodes with SIGTERM and
waits for them. \\fBstatus\\fR asks every node for its tables and the state of each of its
replicas, and tells whether the gateway runs.
.PP
\\fBapply\\fR makes the running cluster match the cluster file's [[node]] list after nodes were
added to it or removed from it: it starts the listed nodes that do not run (with
\\-\\-join when the cluster is up, so that they wait to be added), hands every node the list,
and every node that was dropped from it the same list (those keep answering while they hand
over). The catalog's leader then moves each table replica on a dropped node to a listed node
holding none of that table, and takes new nodes into the catalog; each group adds its new
member as a learner, promotes it once it has caught up (through a snapshot) and only then
removes the dropped node (a dropped leader removes itself and steps down, and the others
elect a leader). \\fBapply\\fR waits until no group counts a dropped node and the catalog
counts every listed node (progress on standard error on a terminal), stops the dropped nodes
it started (their pid files are next to the cluster file; those an earlier apply that gave up
waiting left running too) and, when the list changed, restarts a running gateway so
that it uses the new list. Run again with nothing changed, it starts, moves and restarts
nothing. A list with fewer nodes than the replication factor is refused
before any node is told. Existing tables do not move onto new nodes (no rebalancing yet); new
tables are placed on them.
.PP
A cluster of three or more nodes keeps every table on three of them (replication = 3 in the
cluster file; 1 for smaller clusters) and the catalog on all of them; any node answers any
request, forwarding it to the node that can run it. A node the others have not heard from for
dead_after (in the [cluster] table of the cluster file, a duration such as "90s", "10m" or
"2h"; default 10m) is dead: each of its table replicas is re\\-created on a node that holds none
of that table, when there is one, and the dead node leaves the table's group once the new
replica has caught up. A dead node that comes back drops the replicas it no longer holds.""",
    options=[("--dir DIR", "init: where to write cluster.toml and the node data (default .ddb)."),
             ("--nodes N", "init: number of nodes, 1 to 9 (default 3)."),
             ("--base-port P", "init: node N listens on P+N (default 7100); the gateway on P unless \\-\\-gateway\\-listen is given."),
             ("--gateway-listen HOST:PORT", "init: where ddb-gateway serves (default 127.0.0.1:8000; 127.0.0.1:P with \\-\\-base\\-port P)."),
             ("--force", "init: overwrite an existing cluster file."),
             ("--no-wait", "apply: return once every node has the new list, without waiting for the groups to move."),
             ("--timeout SECONDS", "apply: how long to wait for the groups to move (default 600); exit status 1 after it.")],
    output="""One JSON line per node: \\fBup\\fR {"node":1,"address":"tcp://...","pid":N,"state":"started"|"running"|"failed","log":FILE};
\\fBdown\\fR {"node":1,"state":"stopped"|"not running"|"still running"};
\\fBstatus\\fR {"node":1,"address":...,"pid":N,"state":"up"|"down"|"unresponsive","tables":N,"data_dir":DIR,"groups":[...]},
where each group is one replica on that node: {"group":"__meta" (the catalog) or an id,
"table":NAME, "role":"Leader"|"Follower"|"Candidate"|"PreCandidate", "leader":NODE (0: none
known), "term":T, "commit":I, "applied":I, "last":I, "lease":true|false, "members":[NODES],
"lag":{NODE:ENTRIES,...} (on a leader: how far each member's log is behind its own)}.
Then one line for the gateway: \\fBup\\fR {"gateway":"http://HOST:PORT","pid":N,"state":...,"log":FILE},
\\fBdown\\fR {"gateway":...,"state":...}, \\fBstatus\\fR {"gateway":...,"pid":N,"state":"up" (answers its health check)|"unresponsive"|"down"}.
\\fBinit\\fR prints {"cluster_file":FILE,"nodes":N,"gateway":"HOST:PORT"}.
\\fBapply\\fR prints {"node":N,"address":...,"pid":N,"state":"started"|"running"|"failed"} per
listed node, {"node":N,"applied":true|false[,"error":MESSAGE]} per node told (listed nodes,
then dropped ones), {"node":N[,"address":...],"state":"removed","process":"stopped"|"not running"}
per dropped node once the groups moved off it, and {"gateway":...,"pid":N,"state":"restarted"}.""",
    exit=[("0", "Success (for status: every node and the gateway are up)."),
          ("1", "A node or the gateway failed to start or stop, or (status) is not up, or (apply) a listed node did not take the list or the groups did not move within \\-\\-timeout."),
          ("2", "Usage error.")],
    examples=["ddb-cluster status",
              "ddb-cluster apply    # after adding or removing a [[node]] in the cluster file",
              """ddb-cluster status | python3 -c 'import json,sys; [print(n["node"], g.get("table", "__meta"), g["role"], g["term"]) for n in map(json.loads, sys.stdin) if "node" in n for g in n["groups"]]'"""],
    see=["ddb-node(1)", "ddb-gateway(1)"],
    no_common=False),
  "ddb-create-table": dict(
    summary="create a table",
    synopsis=["--table NAME --key ATTR:TYPE [--sort ATTR:TYPE] [--billing PAY_PER_REQUEST|PROVISIONED] [--rcu N --wcu N]"],
    description="""Creates a table whose partition key is ATTR of TYPE (S, N or B), with an optional sort
key. Table names are 3 to 255 characters of [a-zA-Z0-9_.-].""",
    options=[("--table NAME", "The table's name."), ("--key ATTR:TYPE", "The partition key."),
             ("--sort ATTR:TYPE", "The sort key."),
             ("--billing MODE", "PAY_PER_REQUEST (default) or PROVISIONED."),
             ("--rcu N, --wcu N", "Read and write capacity units, required with PROVISIONED.")],
    output="One JSON line: DynamoDB's CreateTable response, {\"TableDescription\":{...}}.",
    examples=["ddb-create-table --table playlists --key owner:S --sort name:S"],
    see=["ddb-describe-table(1)", "ddb-delete-table(1)", "ddb-list-tables(1)"]),
  "ddb-describe-table": dict(
    summary="print a table's description",
    synopsis=["--table NAME"],
    description="""Prints the table's description: key schema, attribute definitions, status, billing
mode, item count and size (kept current by the node), creation time, ARN and id.""",
    options=[("--table NAME", "The table.")],
    output="One JSON line: DynamoDB's TableDescription object.",
    examples=["ddb-describe-table --table music"],
    see=["ddb-create-table(1)", "ddb-list-tables(1)"]),
  "ddb-delete-table": dict(
    summary="delete a table and all its items",
    synopsis=["--table NAME"],
    description="Deletes the table and every item in it. There is no undo.",
    options=[("--table NAME", "The table.")],
    output="One JSON line: the table's description with TableStatus DELETING.",
    examples=["ddb-create-table --table scratch --key id:S", "ddb-delete-table --table scratch"],
    see=["ddb-create-table(1)"]),
  "ddb-update-table": dict(
    summary="change a table's billing mode or provisioned throughput",
    synopsis=["--table NAME [--billing PAY_PER_REQUEST|PROVISIONED] [--rcu N --wcu N]"],
    description="""Switches a table between on-demand (PAY_PER_REQUEST) and provisioned billing, or changes
its provisioned read and write capacity units. Asking for the throughput the table already has
is an error, as on DynamoDB.""",
    options=[("--table NAME", "The table."), ("--billing MODE", "PAY_PER_REQUEST or PROVISIONED."),
             ("--rcu N, --wcu N", "Read and write capacity units (both, for PROVISIONED).")],
    output="One JSON line: the table's description with TableStatus UPDATING.",
    examples=["ddb-create-table --table metered --key id:S", "ddb-update-table --table metered --billing PROVISIONED --rcu 5 --wcu 5",
              "ddb-delete-table --table metered"],
    see=["ddb-describe-table(1)", "ddb-create-table(1)"]),
  "ddb-list-tables": dict(
    summary="list the tables",
    synopsis=[""],
    description="Prints every table name in order, following ListTables' pages.",
    options=[],
    output="One JSON line per table: {\"TableName\":NAME}.",
    examples=["ddb-list-tables"],
    see=["ddb-create-table(1)", "ddb-describe-table(1)"]),
  "ddb-put": dict(
    summary="write items",
    synopsis=["--table NAME [--item ITEM] [--condition EXPR] [--names JSON] [--values JSON] [--return-old] [--on-error stop|skip] [--plain]"],
    description="""Writes one item given with --item, or one item per line of standard input (blank
lines skipped), replacing any item with the same key. Each put is acknowledged only once it is
on disk. With input lines, every line is checked before anything is written, and a failure
names its line number: with --on-error stop (the default) a bad line means nothing is written,
with skip the good lines are. The lines are held in memory: for large inputs use
ddb-import(1).""",
    options=[("--table NAME", "The table."), ("--item ITEM", "The item, as one JSON object."),
             CONDITION, NAMES, VALUES,
             ("--return-old", "Print the item each put replaced (ReturnValues ALL_OLD)."),
             ("--on-error stop|skip", "With input lines: stop at the first failure (default), or skip it."), PLAIN],
    output="Nothing, or with --return-old the replaced items, one JSON line each.",
    examples=["ddb-put --table music --item '{\"artist\":{\"S\":\"Nina\"},\"song\":{\"S\":\"Sinnerman\"},\"year\":{\"N\":\"1965\"}}'",
              "echo '{\"artist\":\"Nina\",\"song\":\"Feeling Good\",\"year\":1965}' | ddb-put --table music --plain",
              "ddb-put --table music --item '{\"artist\":{\"S\":\"Nina\"},\"song\":{\"S\":\"New\"}}' --condition 'attribute_not_exists(song)'"],
    see=["ddb-get(1)", "ddb-import(1)", "ddb-update(1)"]),
  "ddb-get": dict(
    summary="read one item by its key",
    synopsis=["--table NAME --key KEY [--projection EXPR] [--names JSON] [--consistent] [--plain]"],
    description="Reads the item whose key attributes are KEY. Prints nothing if there is none.",
    options=[("--table NAME", "The table."), ("--key KEY", "The key attributes, as a JSON object."),
             ("--projection EXPR", "A ProjectionExpression: print only these attributes."), NAMES,
             ("--consistent", "A strongly consistent read."), PLAIN],
    output="The item as one JSON line, or nothing.",
    examples=["ddb-get --table music --key '{\"artist\":{\"S\":\"Abba\"},\"song\":{\"S\":\"Waterloo\"}}'",
              "ddb-get --table music --plain --key '{\"artist\":\"Abba\",\"song\":\"Waterloo\"}' --projection '#y' --names '{\"#y\":\"year\"}'"],
    see=["ddb-put(1)", "ddb-query(1)"]),
  "ddb-delete": dict(
    summary="delete one item by its key",
    synopsis=["--table NAME --key KEY [--condition EXPR] [--names JSON] [--values JSON] [--return-old] [--plain]"],
    description="Deletes the item whose key attributes are KEY, if there is one.",
    options=[("--table NAME", "The table."), ("--key KEY", "The key attributes, as a JSON object."),
             CONDITION, NAMES, VALUES, ("--return-old", "Print the deleted item."), PLAIN],
    output="Nothing, or with --return-old the deleted item as one JSON line.",
    examples=["ddb-put --table music --plain --item '{\"artist\":\"Tmp\",\"song\":\"x\"}'",
              "ddb-delete --table music --plain --key '{\"artist\":\"Tmp\",\"song\":\"x\"}' --return-old"],
    see=["ddb-put(1)"]),
  "ddb-batch-get": dict(
    summary="read many items by key",
    synopsis=["--table NAME [--projection EXPR] [--consistent] [--plain] < keys"],
    description="""Reads the keys on standard input (one JSON object per line, all checked first) and
prints the items found, asking BatchGetItem for 100 keys at a time and again for any keys
left unprocessed (after a pause that doubles from 25 ms to 1 s). Keys without an item print
nothing; the order of the output is not the
order of the keys.""",
    options=[("--table NAME", "The table."), ("--projection EXPR", "A ProjectionExpression."),
             ("--consistent", "Strongly consistent reads."), PLAIN],
    output="One JSON line per item found.",
    examples=["printf '%s\\n' '{\"artist\":\"Abba\",\"song\":\"Waterloo\"}' '{\"artist\":\"Nobody\",\"song\":\"x\"}' | ddb-batch-get --table music --plain"],
    see=["ddb-get(1)", "ddb-batch-write(1)"]),
  "ddb-batch-write": dict(
    summary="apply many puts and deletes",
    synopsis=["--table NAME < requests"],
    description="""Reads write requests on standard input, one per line, in DynamoDB's WriteRequest shape:
{"PutRequest":{"Item":ITEM}} or {"DeleteRequest":{"Key":KEY}} (DynamoDB JSON). Every line is
checked before anything is sent; then BatchWriteItem applies them 25 at a time, sending again
what a node returns as UnprocessedItems (with backoff, for up to 30 s). Each request
is atomic, the whole input is not: a failure after some batches is reported with the number of
requests already written, and running the same input again is safe.""",
    options=[("--table NAME", "The table.")],
    output="One JSON line at the end: {\"written\":N}.",
    examples=["echo '{\"PutRequest\":{\"Item\":{\"artist\":{\"S\":\"Tmp\"},\"song\":{\"S\":\"y\"}}}}' | ddb-batch-write --table music",
              "echo '{\"DeleteRequest\":{\"Key\":{\"artist\":{\"S\":\"Tmp\"},\"song\":{\"S\":\"y\"}}}}' | ddb-batch-write --table music"],
    see=["ddb-import(1)", "ddb-batch-get(1)"]),
  "ddb-update": dict(
    summary="update one item with an UpdateExpression",
    synopsis=["--table NAME --key KEY --update EXPR [--condition EXPR] [--names JSON] [--values JSON] [--return WHAT] [--plain]"],
    description="""Applies an UpdateExpression (SET, REMOVE, ADD and DELETE clauses) to the item with the
given key, creating it if it does not exist, as DynamoDB's UpdateItem does.""",
    options=[("--table NAME", "The table."), ("--key KEY", "The key attributes, as a JSON object."),
             ("--update EXPR", "The UpdateExpression."), CONDITION, NAMES, VALUES,
             ("--return WHAT", "NONE (default), ALL_OLD, UPDATED_OLD, ALL_NEW or UPDATED_NEW: what to print."), PLAIN],
    output="Nothing, or the attributes --return asks for, as one JSON line.",
    examples=["ddb-update --table music --plain --key '{\"artist\":\"Abba\",\"song\":\"Waterloo\"}' --update 'ADD plays :one' --values '{\":one\":{\"N\":\"1\"}}' --return UPDATED_NEW"],
    see=["ddb-put(1)", "ddb-get(1)"]),
  "ddb-query": dict(
    summary="print the items of one partition key",
    synopsis=["--table NAME --key-condition EXPR [--filter EXPR] [--projection EXPR] [--names JSON] [--values JSON] [--limit N] [--count] [--reverse] [--consistent] [--plain]"],
    description="""Prints the items selected by a KeyConditionExpression (the partition key with =, and
optionally one sort-key condition), in sort-key order, following every page.""",
    options=[("--table NAME", "The table."), ("--key-condition EXPR", "The KeyConditionExpression."),
             ("--filter EXPR", "A FilterExpression applied to the items read."),
             ("--projection EXPR", "A ProjectionExpression."), NAMES, VALUES,
             ("--limit N", "Print at most N items."), ("--count", "Print only the counts."),
             ("--reverse", "Descending sort-key order."), ("--consistent", "Strongly consistent reads."), PLAIN],
    output="One JSON line per item; with --count, one line {\"Count\":N,\"ScannedCount\":M}.",
    examples=["ddb-query --table music --key-condition 'artist = :a' --values '{\":a\":{\"S\":\"Abba\"}}'",
              "ddb-query --table music --plain --key-condition 'artist = :a AND begins_with(song, :p)' --values '{\":a\":{\"S\":\"Abba\"},\":p\":{\"S\":\"W\"}}' --reverse"],
    see=["ddb-scan(1)", "ddb-get(1)"]),
  "ddb-scan": dict(
    summary="print every item of a table",
    synopsis=["--table NAME [--filter EXPR] [--projection EXPR] [--names JSON] [--values JSON] [--limit N] [--count] [--segment I --total-segments N] [--consistent] [--plain]"],
    description="""Prints every item of the table (or of segment I of N, for parallel scans), following
every page, in constant memory. Its output is ddb-import's input: ddb-scan --table A |
ddb-import --table B copies a table.""",
    options=[("--table NAME", "The table."), ("--filter EXPR", "A FilterExpression."),
             ("--projection EXPR", "A ProjectionExpression."), NAMES, VALUES,
             ("--limit N", "Print at most N items."), ("--count", "Print only the counts."),
             ("--segment I, --total-segments N", "Scan only segment I (from 0) of N."),
             ("--consistent", "Strongly consistent reads."), PLAIN],
    output="One JSON line per item; with --count, one line {\"Count\":N,\"ScannedCount\":M}.",
    examples=["ddb-scan --table music --count", "ddb-scan --table music --filter '#y < :y' --names '{\"#y\":\"year\"}' --values '{\":y\":{\"N\":\"1980\"}}' --plain"],
    see=["ddb-query(1)", "ddb-export(1)", "ddb-import(1)"]),
  "ddb-import": dict(
    summary="load items from standard input into a table",
    synopsis=["--table NAME [--format ddb|plain|csv] [--on-error stop|skip] [--concurrency N]"],
    description="""Reads items from standard input: DynamoDB JSON lines (default), plain JSON lines, or
CSV whose header names typed columns (NAME:S, NAME:N, NAME:B base64, NAME:BOOL; untyped
columns are S; empty fields are left out). Every line is checked first, as the node would check
it (syntax, types, sizes, the table's key attributes), and the good lines are spooled to a
temporary file: with --on-error stop (the default) a single bad line means nothing is written.
The items are then written in BatchWriteItem batches of 25 by parallel writers, each sending
again what comes back as UnprocessedItems (with backoff, for up to 30 s). Importing the
same input again is safe: it writes the same items. Progress goes to standard error when it
is a terminal.""",
    options=[("--table NAME", "The table, which must exist."),
             ("--format ddb|plain|csv", "The input format (default ddb)."),
             ("--on-error stop|skip", "stop: write nothing if any line is bad (default); skip: write the good lines."),
             ("--concurrency N", "Parallel batch writers, 1 to 64 (default 4).")],
    output="""One JSON line at the end: {"imported":N,"invalid":M}. Each bad line is reported on standard
error as ddb-import: line N: ErrorName: message.""",
    examples=["printf 'artist:S,song:S,year:N\\nQueen,Bohemian Rhapsody,1975\\n' | ddb-import --table music --format csv",
              "ddb-scan --table music | ddb-import --table music"],
    see=["ddb-export(1)", "ddb-scan(1)", "ddb-item(1)"]),
  "ddb-export": dict(
    summary="write every item of a table to standard output",
    synopsis=["--table NAME [--format ddb|plain|csv] [--columns NAME[:TYPE],...] [--consistent]"],
    description="""Writes every item of the table as DynamoDB JSON lines (default), plain JSON lines, or
CSV with the given columns (a header line first; values of another type than the column's are
written as their plain JSON). Reads page by page: constant memory. By default the pages are
eventually consistent reads, as DynamoDB's Scan: a write acknowledged just before may not be
in them yet; with --consistent each page holds every write acknowledged before it was read
(not a snapshot of the whole table: writes during a long export land in the pages read after
them).""",
    options=[("--table NAME", "The table."), ("--format ddb|plain|csv", "The output format (default ddb)."),
             ("--columns SPEC", "For csv: the columns, as NAME[:TYPE],... with TYPE S, N, B or BOOL."),
             ("--consistent", "Strongly consistent reads.")],
    output="The items, one line each (after a header line for csv).",
    examples=["ddb-export --table music --format csv --columns artist:S,song:S,year:N"],
    see=["ddb-import(1)", "ddb-scan(1)"]),
}

def esc(text):
    return text.replace("\\\\", "\\e").replace("-", "\\-") if False else text.replace("-", "\\-")

def render(name, p):
    out = [f'.TH {name.upper()} 1 "2026-12-02" "ddb 0.1.0" "ddb manual"', ".SH NAME",
           f"{name} \\- {p['summary']}", ".SH SYNOPSIS"]
    for i, s in enumerate(p["synopsis"]):
        if i: out.append(".br")
        out.append(f".B {name}")
        if s: out.append(s.replace("-", "\\-"))
    out += [".SH DESCRIPTION", p["description"], ".SH OPTIONS"]
    opts = list(p["options"])
    if p.get("no_common", True) is not False or True:
        opts += COMMON_OPTIONS
    opts += [("-h, --help", "Print usage and exit."), ("--version", "Print the version and exit.")]
    for flag, text in opts:
        out += [".TP", f".B {flag.replace('-', chr(92) + '-')}", text]
    out += [".SH OUTPUT", p["output"], ".PP",
            f"Errors go to standard error as one line: {name}: ErrorName: message, with DynamoDB's "
            "exception name and wording.", ".SH EXIT STATUS"]
    for code, text in p.get("exit", EXIT):
        out += [".TP", f".B {code}", text]
    out += [".SH EXAMPLES", ".nf"]
    for e in p["examples"]:
        out.append("$ " + e.replace("\\", "\\e").replace("-", "\\-"))
    out += [".fi", ".SH SEE ALSO", ",\n".join(".BR " + s.replace("(", " (") for s in p["see"] + ["ddb-cluster(1)"] if not (name == "ddb-cluster" and s == "ddb-cluster(1)"))]
    return "\n".join(out) + "\n"

here = os.path.dirname(os.path.abspath(__file__))
for name, page in PAGES.items():
    with open(os.path.join(here, "..", "man", name + ".1"), "w") as f:
        f.write(render(name, page))
print(f"wrote {len(PAGES)} man pages")
