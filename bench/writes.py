"""The write path beside its floor, in one run: `POST /api/v1/enterprises` (a new USCC each
time) and `PUT /api/v1/enterprises/{id}/annual-reports/{year}` (a report filed for one of
100k enterprises) against a bare asyncpg app doing the equivalent single INSERT and
INSERT ... ON CONFLICT DO UPDATE (bench/floor.py). The service does more per write than the
floor: validation, its audit event, the change feed's capture (a trigger, which the floor
fires too) and its transaction; the ratio says what that costs. Goal (issue 14): ≥ 0.3.

    python -m bench.writes                     # 16 connections, 10 s a route, 1 worker
    python -m bench.writes --workers 2 --duration 3

Same options, database handling and loopback-only load as bench/reads.py.
"""

from __future__ import annotations

from bench.load import Plan
from bench.reads import Route, Servers, options, run

ENTERPRISE_BODY = (
    '{"uscc":"{uscc}","name":"基准写入{n}科技有限公司","short_name":"写入{n}",'
    '"district":"克拉玛依高新区","industry_code":"M7320","tech_field":"new_materials",'
    '"tags":["party_building_model"],"contact_name":"王建国","contact_phone":"13899905678",'
    '"contact_email":"bench@example.com"}'
)
REPORT_BODY = (
    '{"revenue":"38500000.00","high_tech_revenue":"27200000.00","total_cost":"31000000.00",'
    '"net_assets":"16400000.00","total_assets":"42000000.00","employees":86,"st_staff":21,'
    '"rd_expense":"2150000.00","rd_expense_domestic":"2150000.00","ip_class1":2,'
    '"ip_class2":9,"ip_class1_new":1,"ip_class2_new":3,"achievements_transformed":4,'
    '"filed_on":"2026-04-20","tech_advancement":"B","core_support":"B",'
    '"ip_self_developed":true,"standards_drafted":1,"rd_org":{"rd_accounting":true,'
    '"rd_institution":true,"transformation_incentives":false,"talent_programs":true},'
    '"major_incident":false}'
)


def write_routes(servers: Servers, ids: list[str]) -> list[Route]:
    headers = {**servers.auth(), "Content-Type": "application/json"}
    return [
        Route("POST /api/v1/enterprises", Plan("POST", "/api/v1/enterprises", ENTERPRISE_BODY,
              headers=headers)),
        # Request numbers never repeat within a run, so each enterprise is filed for once
        # (201) until the numbers pass the 100k enterprises; then it is replaced (200).
        Route("PUT /api/v1/enterprises/{id}/annual-reports/2025", Plan(
            "PUT", "/api/v1/enterprises/{id}/annual-reports/2025", REPORT_BODY, ids, headers)),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = options(__doc__.split("\n\n")[0] if __doc__ else None).parse_args(argv)
    run(args, "tas_bench_writes", writes=True)


if __name__ == "__main__":
    main()
