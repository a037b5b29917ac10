"""The delivery benchmark's arithmetic: what counts as missing, duplicate and out of order."""

from bench.delivery import analyse, per_cpu_second


def receiver(records, abandoned=0):
    return {"latency_ms": 0, "abandoned": abandoned, "most_in_flight": 1, "records": records}


def test_an_older_version_after_a_newer_one_is_out_of_order():
    # given: versions 10 and 20 of L1 arrive in the wrong order, 20 twice
    records = [(1, 100.0, "NL/CPO/L1", 20.0), (2, 101.0, "NL/CPO/L1", 10.0)]
    records.append((3, 102.0, "NL/CPO/L1", 20.0))
    # when
    result = analyse([receiver(records)], {"NL/CPO/L1": 20.0}, 90.0, 110.0, healthy_count=1)
    # then
    assert (result["missing"], result["duplicates"], result["out_of_order"]) == (0, 1, 1)


def test_a_superseded_version_may_be_skipped_but_the_newest_must_arrive():
    records = [(1, 100.0, "NL/CPO/L1", 30.0), (2, 100.5, "NL/CPO/L2", 5.0)]
    newest = {"NL/CPO/L1": 30.0, "NL/CPO/L2": 6.0}

    result = analyse([receiver(records)], newest, 90.0, 110.0, healthy_count=1)

    assert (result["missing"], result["duplicates"], result["out_of_order"]) == (1, 0, 0)
    assert result["receivers"][0]["e2e_p50_ms"] > 0


def test_sustained_rate_counts_arrivals_during_the_load_after_the_warm_up():
    records = [(n, 100.0 + n, f"NL/CPO/L{n}", 99.0 + n) for n in range(20)]
    newest = {f"NL/CPO/L{n}": 99.0 + n for n in range(20)}

    result = analyse([receiver(records)], newest, 98.0, 110.0, healthy_count=1)

    # the window is 100..110 (2 s warm-up): 11 arrivals in 10 s
    assert result["deliveries_per_s"] == 1.1
    assert result["behind_at_stop"] == 9


def test_a_held_backlogs_cost_counts_what_reached_the_healthy_receivers_per_busy_second():
    # given: two healthy receivers got 3 and 2 deliveries, a hung one 4 it abandoned
    healthy = [(n, 100.0 + n, f"NL/CPO/L{n}", 99.0) for n in range(3)]
    hung = [(n, 100.0 + n, f"NL/CPO/L{n}", 99.0) for n in range(4)]
    snapshot = [receiver(healthy), receiver(healthy[:2]), receiver(hung, abandoned=4)]
    run = analyse(snapshot, {}, 90.0, 100.0, healthy_count=2)
    # when the drain kept the machine busy for 2.5 CPU-seconds
    run["drain_cpu_s"] = 2.5
    # then
    assert per_cpu_second(run) == 2.0
