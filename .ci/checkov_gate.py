"""Fail unless a checkov JSON report shows 0 parse errors, more than 0 resources and 0 failed checks."""

import json
import sys

name, report_path = sys.argv[1], sys.argv[2]
with open(report_path, encoding="utf-8") as handle:
    report = json.load(handle)
reports = report if isinstance(report, list) else [report]
bicep = [r for r in reports if r.get("check_type") == "bicep"] or reports
summary = bicep[0]["summary"]
failed = [check for r in bicep for check in r["results"]["failed_checks"]]
for check in failed:
    print(f"  FAILED {check['check_id']} {check['check_name']} {check['file_path']} {check['resource']}")
print(f"{name}: checkov {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped, "
      f"{summary['parsing_errors']} parsing errors, {summary['resource_count']} resources")
if summary["parsing_errors"] or summary["resource_count"] == 0 or failed:
    sys.exit(1)
