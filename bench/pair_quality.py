"""Benchmark: the DPO pairs a finished run's records give (issue 17; not a test).

    python bench/pair_quality.py RUN_DIR [--out pairs.jsonl] [--show N]

Rebuilds the pairs from RUN_DIR's accepted.jsonl and rejected.jsonl with the run's own settings
(settings.json) and today's code, without generating anything, then prints:
- counts per type, source and category, and the semantic share;
- re-verification: every perturbed pair's rejected cut fails with exactly its code and its
  chosen cut passes every check (a pair that does not is counted as a failure and printed);
- how many pairs' prompts end in the user's yes to an assistant's confirmation question (the
  chosen turn then only repeats the question: there should be none);
- the most used value among the invented arguments (hallucinated_argument) and among the enum
  corruptions (enum_violation), with its share of that type, and the share of enum corruptions
  that only change case;
- the semantic pairs per type (pipeline.pairs.is_semantic) and the most frequent wrong_function
  substitutions (chosen tool -> rejected tool);
- `--show N` prints N pairs per type (prompt tail, chosen, rejected).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.base import run_checks  # noqa: E402
from filters.grounding import GroundingOptions  # noqa: E402
from filters.plausibility import PlausibilityOptions  # noqa: E402
from filters.policy import is_acceptance, is_confirmation_question  # noqa: E402
from filters.roles import annotations_of  # noqa: E402
from pipeline.config import RunConfig  # noqa: E402
from pipeline.engine import RunResult  # noqa: E402
from pipeline.job import check_chain, pairs_of  # noqa: E402
from pipeline.pairs import PAIR_TYPES, cut, is_semantic, pair_counts, verdict  # noqa: E402
from pipeline.pairs.build import chosen_cut  # noqa: E402
from pipeline.record import Conversation  # noqa: E402
from pipeline.seeds import alias_table, load_tools  # noqa: E402


def _changed_values(pair) -> list[str]:
    """The argument names or values the rejected calls add over the chosen ones."""
    chosen = {
        (c["function"]["name"], k): v
        for c in pair.chosen[0].get("tool_calls") or []
        for k, v in c["function"]["arguments"].items()
    }
    out = []
    for call in pair.rejected[0].get("tool_calls") or []:
        for key, value in call["function"]["arguments"].items():
            if (call["function"]["name"], key) not in chosen:
                out.append(key if pair.type == "hallucinated_argument" else json.dumps(value))
            elif chosen[(call["function"]["name"], key)] != value and pair.type == "enum_violation":
                out.append(json.dumps(value))
    return out


def _case_only(pair) -> bool:
    """Whether an enum corruption differs from the chosen value in letter case alone."""
    chosen = json.dumps([c["function"] for c in pair.chosen[0].get("tool_calls") or []], sort_keys=True)
    rejected = json.dumps([c["function"] for c in pair.rejected[0].get("tool_calls") or []], sort_keys=True)
    return chosen != rejected and chosen.casefold() == rejected.casefold()


def _short(turn: dict) -> str:
    calls = [
        f"{c['function']['name']}({json.dumps(c['function']['arguments'], ensure_ascii=False)})"
        for c in turn.get("tool_calls") or []
    ]
    return " ; ".join(calls) if calls else repr((turn.get("content") or "")[:300])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, help="write the pairs here (JSONL)")
    parser.add_argument("--show", type=int, default=0, help="print this many pairs per type")
    args = parser.parse_args()

    config = RunConfig.model_validate(json.loads((args.run_dir / "settings.json").read_text()))
    catalog = load_tools(config.tools, executors=config.executors)
    accepted = [Conversation.model_validate_json(line) for line in (args.run_dir / "accepted.jsonl").open()]
    rejected_path = args.run_dir / "rejected.jsonl"
    rejected = [json.loads(line) for line in rejected_path.open()] if rejected_path.exists() else []
    result = RunResult(accepted=accepted, rejected=rejected)
    pairs = pairs_of(config, catalog, result)
    counts = pair_counts(pairs)
    print(json.dumps(counts, indent=1))

    checks = check_chain(
        config,
        GroundingOptions(aliases=alias_table(catalog)),
        every=True,
        plausibility=PlausibilityOptions(annotations=annotations_of(catalog)),
    )
    records = {record.id: record for record in accepted}
    failures = 0
    for pair in pairs:
        if pair.source != "perturbed" or pair.record_id not in records:
            continue
        record, index = records[pair.record_id], len(pair.prompt)
        chosen_issues = run_checks(chosen_cut(record, index), checks)
        issues = run_checks(cut(record, index, pair.rejected[0], reference=pair.chosen[0]), checks)
        if chosen_issues or verdict(PAIR_TYPES[pair.type], issues) != {pair.code}:
            failures += 1
            print("NOT VERIFIED", pair.type, pair.record_id, [i.code for i in chosen_issues], [i.code for i in issues])
    print(f"verified: {sum(p.source == 'perturbed' for p in pairs) - failures} perturbed pairs, {failures} failures")
    acked = sum(
        len(pair.prompt) >= 2
        and pair.prompt[-1]["role"] == "user"
        and is_acceptance(pair.prompt[-1].get("content"))
        and pair.prompt[-2]["role"] == "assistant"
        and not pair.prompt[-2].get("tool_calls")
        and is_confirmation_question(pair.prompt[-2].get("content"))
        for pair in pairs
    )
    print(f"prompt ends in the user's yes to a confirmation question: {acked} of {len(pairs)} pairs")

    for name in ("hallucinated_argument", "enum_violation"):
        values = Counter(v for pair in pairs if pair.type == name for v in _changed_values(pair))
        total = sum(values.values())
        if total:
            top, n = values.most_common(1)[0]
            print(f"{name}: {total} values, {len(values)} distinct, most used {top} = {n / total:.1%}")
    corruptions = [pair for pair in pairs if pair.type == "enum_violation"]
    if corruptions:
        case_only = sum(_case_only(pair) for pair in corruptions)
        print(f"enum_violation: {case_only}/{len(corruptions)} only change case ({case_only / len(corruptions):.1%})")
    semantic = Counter(pair.type for pair in pairs if is_semantic(pair))
    print("semantic per type:", {t: f"{semantic[t]}/{n}" for t, n in Counter(p.type for p in pairs).most_common()})
    swaps = Counter(
        (c["function"]["name"], r["function"]["name"])
        for pair in pairs
        if pair.type == "wrong_function"
        for c, r in zip(pair.chosen[0]["tool_calls"], pair.rejected[0]["tool_calls"])
        if c["function"]["name"] != r["function"]["name"]
    )
    if swaps:
        print("wrong_function substitutions:", ", ".join(f"{a} -> {b} {n}" for (a, b), n in swaps.most_common(12)))

    if args.show:
        shown: Counter = Counter()
        for pair in pairs:
            if shown[pair.type] >= args.show:
                continue
            shown[pair.type] += 1
            tail = pair.prompt[-1]
            print(f"\n[{pair.type} / {pair.code} / {pair.source} / {pair.record_id}]")
            print(
                "  last:",
                tail["role"],
                repr((tail.get("content") or "")[:200]) if not tail.get("tool_calls") else _short(tail),
            )
            print("  chosen:  ", _short(pair.chosen[0]))
            print("  rejected:", _short(pair.rejected[0]))
    if args.out:
        with args.out.open("w") as handle:
            for pair in pairs:
                handle.write(json.dumps(pair.to_dict(), ensure_ascii=False) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
