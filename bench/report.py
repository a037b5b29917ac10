"""Turn a benchmark result into the table of figures, ratios and targets, and a latency chart."""

from pathlib import Path


def met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def write_report(results: dict, chart: Path) -> str:
    lines = [
        f"Hardware: {results['hardware']['cpu']}, {results['hardware']['cores']} cores, "
        f"{results['hardware']['memory_gib']} GiB, Python {results['hardware']['python']}"
        + (" (quick run)" if results.get("quick") else ""),
        "",
        "| workload | hub | storage baseline | ratio | target |",
        "|---|---|---|---|---|",
    ]
    if "W1" in results:
        lines += push_rows(results)
        chart.write_text(latency_chart(results["sweep"]))
    if "W3" in results:
        lines += pull_rows(results)
    if "authorization" in results:
        lines += authorization_rows(results["authorization"])
    return "\n".join(lines)


def push_rows(results: dict) -> list[str]:
    w1, w2, sustained = results["W1"], results["W2"], results["sustained"]
    lines = []
    for name, figures, target in (("W1 Location PUT", w1, 0.4), ("W2 EVSE PATCH", w2, 0.4)):
        ratio = figures["hub_rps"] / figures["baseline_rps"]
        lines.append(
            f"| {name}: accepted/s | {figures['hub_rps']:.0f} | {figures['baseline_rps']:.0f} "
            f"| {ratio:.2f} | >= {target} {met(ratio >= target)} |"
        )
        lines.append(
            f"| {name}: p50 / p99 ms | {figures['hub_p50_ms']:.1f} / {figures['hub_p99_ms']:.1f} "
            f"| {figures['baseline_p50_ms']:.1f} / {figures['baseline_p99_ms']:.1f} | | |"
        )
        if "ingress_rps" in figures:
            lines.append(
                f"| {name}, deliveries held (ingress alone): accepted/s "
                f"| {figures['ingress_rps']:.0f} | {figures['baseline_rps']:.0f} "
                f"| {figures['ingress_rps'] / figures['baseline_rps']:.2f} | |"
            )
    for name, figures in (("W1", w1), ("W2", w2)):
        for label, fanout in (("", figures["fanout"]), (", held", figures.get("held_fanout"))):
            if fanout is None:
                continue
            lines.append(
                f"| {name} fan-out to 3 eMSPs{label} | {fanout['deliveries_per_s']:.0f} "
                f"deliveries/s, e2e p50 {fanout['e2e_p50_ms']:.0f} / p99 "
                f"{fanout['e2e_p99_ms']:.0f} ms, backlog at stop {fanout['backlog_at_stop']:.0f}, "
                f"missing {fanout['missing']:.0f}, duplicates {fanout['duplicates']:.0f} | | | |"
            )
    keeps_up = sustained["backlog_at_stop"] <= max(50, 0.02 * sustained["accepted"] * 3)
    lines.append(
        f"| Sustained {sustained['offered_rps']:.0f} PATCH/s for {sustained['duration_s']:.0f} s "
        f"| e2e p50 {sustained['e2e_p50_ms']:.0f} / p99 {sustained['e2e_p99_ms']:.0f} ms, "
        f"backlog at stop {sustained['backlog_at_stop']}, missing {sustained['missing']}, "
        f"duplicates {sustained['duplicates']} | | | keeps up {met(keeps_up)}; "
        f"p99 <= 250 ms {met(sustained['e2e_p99_ms'] <= 250)}; "
        f"none missing {met(sustained['missing'] == 0)}; "
        f"no duplicates {met(sustained['duplicates'] == 0)} |"
    )
    return lines


def pull_rows(results: dict) -> list[str]:
    lines = []
    for total, pull in results["W3"].items():
        hub, base = pull["hub"], pull["baseline"]
        speed = hub["objects_per_s"] / base["objects_per_s"]
        deep = hub["last_page_ms"] / hub["first_page_ms"]
        lines.append(
            f"| W3 pull of {int(total):,}: objects/s | {hub['objects_per_s']:.0f} "
            f"| {base['objects_per_s']:.0f} | {speed:.2f} | "
            + (f">= 0.7 {met(speed >= 0.7)}" if int(total) <= 10_000 else "")
            + " |"
        )
        lines.append(
            f"| W3 pull of {int(total):,}: first / last page ms | {hub['first_page_ms']:.1f} / "
            f"{hub['last_page_ms']:.1f} | {base['first_page_ms']:.1f} / {base['last_page_ms']:.1f} "
            f"| {deep:.2f} | "
            + (f"<= 1.5 {met(deep <= 1.5)}" if int(total) >= 100_000 else "")
            + " |"
        )
        growth = hub["rss_end_mib"] - hub["rss_start_mib"]
        lines.append(
            f"| W3 pull of {int(total):,}: server RSS start / peak / end MiB "
            f"| {hub['rss_start_mib']:.0f} / {hub['rss_peak_mib']:.0f} / {hub['rss_end_mib']:.0f} "
            f"| | | no growth with pages {met(growth <= 16)} |"
        )
    return lines


def authorization_rows(auth: dict) -> list[str]:
    if not auth.get("available"):
        return [f"| Authorize | not available: {auth.get('answer', '')} | | | |"]
    rows = [
        f"| Authorize p50 / p99 ms | {auth['hub_p50_ms']:.2f} / {auth['hub_p99_ms']:.2f} "
        f"| direct {auth['direct_p50_ms']:.2f} / {auth['direct_p99_ms']:.2f} "
        f"| +{auth['added_p50_ms']:.2f} / +{auth['added_p99_ms']:.2f} "
        f"| added p50 <= 1 ms {met(auth['added_p50_ms'] <= 1)} |"
    ]
    if "relay_p50_ms" in auth:
        rows.append(
            f"| Relay baseline (no authentication, routing or rate limit) p50 / p99 ms "
            f"| {auth['relay_p50_ms']:.2f} / {auth['relay_p99_ms']:.2f} "
            f"| direct {auth['direct_p50_ms']:.2f} | +{auth['relay_added_p50_ms']:.2f} | |"
        )
    return rows


def latency_chart(points: list[dict]) -> str:
    """An SVG line chart of end-to-end p50/p99 against offered load (no plotting library)."""
    width, height, margin = 640, 360, 60
    max_x = max(point["offered_rps"] for point in points) * 1.05
    max_y = max(max(point["e2e_p99_ms"] for point in points), 250) * 1.1

    def xy(point, key):
        x = margin + (width - 2 * margin) * point["offered_rps"] / max_x
        y = height - margin - (height - 2 * margin) * point[key] / max_y
        return f"{x:.1f},{y:.1f}"

    def line(key, colour):
        return (
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{" ".join(xy(point, key) for point in points)}"/>'
        )

    budget_y = height - margin - (height - 2 * margin) * 250 / max_y
    ticks = "".join(
        f'<text x="{margin + (width - 2 * margin) * point["offered_rps"] / max_x:.0f}" '
        f'y="{height - margin + 18}" font-size="11" text-anchor="middle">'
        f"{point['offered_rps']:.0f}</text>"
        for point in points
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif">'
        f'<rect width="100%" height="100%" fill="white"/>'
        f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" '
        f'y2="{height - margin}" stroke="black"/>'
        f'<line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" stroke="black"/>'
        f'<line x1="{margin}" y1="{budget_y:.1f}" x2="{width - margin}" y2="{budget_y:.1f}" '
        f'stroke="#999" stroke-dasharray="4"/>'
        f'<text x="{width - margin}" y="{budget_y - 4:.1f}" font-size="11" text-anchor="end">'
        f"250 ms target (p99)</text>"
        f"{line('e2e_p50_ms', '#1f77b4')}{line('e2e_p99_ms', '#d62728')}{ticks}"
        f'<text x="{width / 2}" y="{height - 15}" font-size="12" text-anchor="middle">'
        f"offered EVSE status PATCHes per second</text>"
        f'<text x="15" y="{height / 2}" font-size="12" transform="rotate(-90 15 {height / 2})" '
        f'text-anchor="middle">end-to-end latency, ms (max {max_y:.0f})</text>'
        f'<text x="{margin + 10}" y="{margin}" font-size="12" fill="#1f77b4">p50</text>'
        f'<text x="{margin + 50}" y="{margin}" font-size="12" fill="#d62728">p99</text>'
        f"</svg>"
    )
