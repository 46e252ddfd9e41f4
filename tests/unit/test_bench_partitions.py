"""The benchmark's partition and cluster figures: tablestats parsing, summaries, the report (pure)."""
from __future__ import annotations

from bench import report
from bench.cluster import ratios
from bench.partitions import at_scale, parse_tablestats, table_sizes, talk_counts

TABLESTATS = """Total number of tables: 2
----------------
Keyspace : bench_reads
\tRead Count: 10
\tWrite Count: 20
\t\tTable: talks
\t\tSSTable count: 5
\t\tSpace used (live): 128768154
\t\tNumber of partitions (estimate): 4861
\t\tCompacted partition maximum bytes: 545791
\t\tCompacted partition mean bytes: 55280
\t\tTable (index): talks_tags_sai
\t\tSpace used (live): 99
\t\tTable: talks_by_tag
\t\tSpace used (live): 46816935
\t\tNumber of partitions (estimate): 3099
\t\tCompacted partition maximum bytes: 43388628
\t\tCompacted partition mean bytes: 33689
----------------
"""


def test_tablestats_give_each_tables_bytes_and_partitions():
    assert parse_tablestats(TABLESTATS) == {
        "talks": {"live_bytes": 128768154, "partitions_estimate": 4861, "max_bytes": 545791, "mean_bytes": 55280},
        "talks_by_tag": {"live_bytes": 46816935, "partitions_estimate": 3099, "max_bytes": 43388628,
                         "mean_bytes": 33689}}


def test_sizes_name_the_largest_partition_and_the_median():
    sizes = [(("talk",), 181539), (("web",), 40), (("django", 2012), 7), (("x",), 1)]
    assert table_sizes(sizes) == {"partitions": 4, "rows": 181587, "largest_rows": 181539, "largest_key": "talk",
                                  "median_rows": 7}
    assert table_sizes([((1, "a"), 3)])["largest_key"] == "1 / a"
    assert table_sizes([])["partitions"] == 0


def test_ten_million_talks_scale_the_largest_partition_linearly():
    table = {"largest_rows": 181539, "max_bytes": 43388628}
    scaled = at_scale(table, 195858)
    assert scaled["largest_rows_at_target"] == round(181539 * 10_000_000 / 195858)
    assert scaled["verdict"] == "OVER in rows and bytes"
    assert at_scale({"largest_rows": 183, "max_bytes": 545791}, 195858)["verdict"] == "within"
    assert at_scale({"largest_rows": 1500, "max_bytes": 10}, 100_000)["verdict"] == "OVER in rows"


def test_the_copies_conferences_are_not_real_talks():
    sizes = [(("pycon-us-2012",), 100), (("pycon-us-2012-s3",), 100), (("pycon-us-2012-s12",), 100),
             (("europython-2013",), 7)]
    assert talk_counts(sizes) == (307, 107)


def _variant(rf: str, read: str, rate: float, p50: float) -> dict:
    pages = {"timeline": {"url": "/", "p50_ms": p50, "p99_ms": 2 * p50, "mean_ms": p50, "n": 10}}
    return {"keyspace": "k", "replication": rf, "read_consistency": read, "write_consistency": "LOCAL_QUORUM",
            "hosts": ["127.0.0.1"], "pages": pages,
            "import": {"talks": 2036, "seconds": 2036 / rate, "talks_per_s": rate,
                       "noop": {"seconds": 2.0, "node_writes": 0}}}


def test_the_report_puts_the_cluster_beside_the_single_node_and_the_partitions_in_a_table():
    single = _variant("{'class': 'SimpleStrategy', 'replication_factor': 1}", "LOCAL_ONE", 30.0, 4.0)
    cluster = _variant("{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}", "LOCAL_QUORUM", 10.0, 6.0)
    result = {"nodes": 3, "events": 12, "min_talks": 2000, "requests": 10, "start_seconds": 60.0,
              "variants": {"single": single, "cluster": cluster}}
    result["ratios"] = ratios(result)
    assert result["ratios"]["talks_per_s"] == 0.333 and result["ratios"]["timeline"] == {"p50_ms": 1.5, "p99_ms": 1.5}
    tables = [{"table": "talks_by_tag", "partition_key": ["tag"], "partitions": 3099, "rows": 900000,
               "largest_rows": 181539, "largest_key": "talk", "median_rows": 9, "max_bytes": 43388628,
               "mean_bytes": 33689, "live_bytes": 46816935, "scaled_from": 195858, **at_scale({"largest_rows": 181539, "max_bytes": 43388628},
                                                                       195858)}]
    partitions = {"keyspace": "bench_reads", "talks": 195858, "real_talks": 21762, "target_talks": 10_000_000, "row_limit": 100_000,
                  "byte_limit": 100_000_000, "tables": tables, "seconds": 300.0}
    text = report.markdown({"machine": {"cores": 2, "python": "3.11", "heap": "1G", "date": "2026-11-22T08:00"},
                            "cluster": result, "partitions": partitions})
    assert "## Cluster (3 nodes, RF 3) beside the single node" in text
    assert "| single (RF 1, reads LOCAL_ONE, writes LOCAL_QUORUM) | 2036 |" in text
    assert "| cluster (RF 3, reads LOCAL_QUORUM, writes LOCAL_QUORUM) | 2036 |" in text
    assert "| timeline (`/`) | 4.00 / 8.00 | 6.00 / 12.00 | 1.50x, 1.50x |" in text
    assert "not the throughput of three machines" in text
    assert "| talks_by_tag | tag | 3,099 | 181,539 (`talk`) | 9 | 43.4 MB | 33.7 kB | 46.8 MB | 51 | 9,268,909, 2.2 GB |" in text
    assert "or / 21,762 for the tables the synthetic copies leave out" in text
    assert "| no partition over 100,000 rows at 195,858 talks | largest: talks_by_tag, 181,539 rows (`talk`) | MISSED |" in text
