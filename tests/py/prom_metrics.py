"""Parse a Prometheus text-format file with prometheus_client's own parser and print it as
JSON: {"families": {name: {"type", "help"}}, "samples": [{"name", "labels", "value"}]}.
The parser rejects malformed files, so a file that reaches the test was valid exposition text.

usage: prom_metrics.py FILE
"""

import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    families = {}
    samples = []
    for family in text_string_to_metric_families(text):
        families[family.name] = {"type": family.type, "help": family.documentation}
        for sample in family.samples:
            value = sample.value
            samples.append(
                {
                    "name": sample.name,
                    "labels": sample.labels,
                    "value": None if math.isnan(value) else value,
                }
            )
    json.dump({"families": families, "samples": samples}, sys.stdout)


if __name__ == "__main__":
    main()
