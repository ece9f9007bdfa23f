"""What each export holds: its columns (the CSV header and the NDJSON keys, in this order),
what they mean, which hold personal data, and where the rows come from.

A new export is one `Export` entry: its rows come from the owning domain's service as plain
rows in batches (a server-side cursor), never as a list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.applications import service as applications_service
from app.auth.scopes import Scope
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.outcomes import service as outcomes_service
from app.plans import service as plans_service
from app.pools import service as pools_service
from app.privacy import mask_email, mask_name, mask_phone
from app.projects import service as projects_service
from app.rankings import service as rankings_service
from app.visits import service as visits_service


class ExportResource(StrEnum):
    ENTERPRISES = "enterprises"
    ANNUAL_REPORTS = "annual-reports"
    PROJECTS = "projects"
    POOL_MEMBERS = "pool-members"
    VISITS = "visits"
    DEMANDS = "demands"
    ACHIEVEMENTS = "achievements"
    RANKINGS = "rankings"
    PLANS = "plans"
    PLAN_TASKS = "plan-tasks"
    CAMPAIGNS = "campaigns"
    APPLICATIONS = "applications"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # string, uuid, date, datetime, decimal, integer, boolean, list
    description: str
    # Applied for viewers that get personal data masked (integrations).
    mask: Callable[[Any], Any] | None = None


Batches = Callable[[AsyncSession, Settings, datetime | None], AsyncIterator[Sequence[Any]]]


@dataclass(frozen=True)
class Export:
    resource: ExportResource
    scope: Scope
    columns: tuple[Column, ...]
    batches: Batches


MONEY = "decimal"


def _kept(created: str) -> tuple[Column, ...]:
    """The columns every exported record ends with: its version, when it was first stored
    (`created`), and when it last changed, which `updated_since` filters on."""
    return (
        Column("version", "integer", "The record's version (its ETag)"),
        Column("created_at", "datetime", created),
        Column("updated_at", "datetime", "When it last changed (`updated_since` filters on it)"),
    )


ENTERPRISES = Export(
    ExportResource.ENTERPRISES,
    Scope.READ_ENTERPRISES,
    (
        Column("id", "uuid", "The enterprise's id"),
        Column("uscc", "string", "Unified Social Credit Code (GB 32100-2015), upper-case"),
        Column("name", "string", "Registered name"),
        Column("short_name", "string", "Short name"),
        Column("established_on", "date", "Date of establishment"),
        Column("district", "string", "District or park"),
        Column("industry_code", "string", "GB/T 4754 industry code"),
        Column("tech_field", "string", "One of the eight high-tech fields"),
        Column("tags", "list", "Tags; in CSV separated by `;`"),
        Column(
            "resident_enterprise", "boolean", "A resident enterprise registered in the mainland"
        ),
        Column("restricted_products", "boolean", "Products in the restricted catalogues"),
        Column("credit_listed", "boolean", "On the abnormal-operations or dishonesty list"),
        Column("tax_collection", "string", "`audit` (查账征收) or `assessed` (核定征收)"),
        Column("contact_name", "string", "Contact person (masked: 张**)", mask_name),
        Column("contact_phone", "string", "Contact phone (masked: 138****5678)", mask_phone),
        Column("contact_email", "string", "Contact e-mail (masked: z***@example.com)", mask_email),
        Column("status", "string", "`active` or `archived`"),
        *_kept("When it was registered"),
    ),
    lambda session, settings, since: enterprise_service.stream_enterprises(session, since),
)

ANNUAL_REPORTS = Export(
    ExportResource.ANNUAL_REPORTS,
    Scope.READ_ENTERPRISES,
    (
        Column("id", "uuid", "The report's id"),
        Column("enterprise_id", "uuid", "The enterprise's id"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("year", "integer", "The reported calendar year"),
        Column("revenue", MONEY, "Operating revenue (sales), yuan"),
        Column("high_tech_revenue", MONEY, "High-tech product/service revenue, yuan"),
        Column("total_cost", MONEY, "Total cost, yuan"),
        Column("net_assets", MONEY, "Net assets, yuan (may be negative)"),
        Column("total_assets", MONEY, "Total assets, yuan"),
        Column("employees", "integer", "Employees"),
        Column("st_staff", "integer", "S&T staff"),
        Column("rd_expense", MONEY, "R&D expense, yuan"),
        Column("rd_expense_domestic", MONEY, "R&D expense spent in China, yuan"),
        Column("ip_class1", "integer", "Class I IP owned at year end"),
        Column("ip_class2", "integer", "Class II IP owned at year end"),
        Column("ip_class1_new", "integer", "Class I IP granted in the year"),
        Column("ip_class2_new", "integer", "Class II IP granted in the year"),
        Column("ip_class2_used", "integer", "Class II IP that already supported a recognition"),
        Column("achievements_transformed", "integer", "Achievements transformed"),
        Column("filed_on", "date", "When it was filed"),
        Column("tech_advancement", "string", "Technical advancement grade A-E"),
        Column("core_support", "string", "Core-support grade A-E"),
        Column("ip_self_developed", "boolean", "IP obtained by own R&D"),
        Column("standards_drafted", "integer", "Standards drafted"),
        Column("rd_accounting", "boolean", "R&D expenses accounted separately"),
        Column("rd_institution", "boolean", "Has an R&D institution"),
        Column("transformation_incentives", "boolean", "Has transformation incentives"),
        Column("talent_programs", "boolean", "Has talent programmes"),
        Column("major_incident", "boolean", "A major safety/quality/environmental incident"),
        *_kept("When it was first filed in the service"),
    ),
    lambda session, settings, since: enterprise_service.stream_reports(session, since),
)

PROJECTS = Export(
    ExportResource.PROJECTS,
    Scope.READ_PROJECTS,
    (
        Column("id", "uuid", "The project's id"),
        Column("enterprise_id", "uuid", "The enterprise that carries it"),
        Column("title", "string", "Title"),
        Column("level", "string", "national, autonomous region, city or district"),
        Column("programme", "string", "The funding programme"),
        Column("status", "string", "applying, approved, in_progress, completed, accepted, …"),
        Column("approved_funding", MONEY, "Approved funding, yuan"),
        Column("disbursed_funding", MONEY, "Disbursed funding, yuan"),
        Column("start_on", "date", "Planned start"),
        Column("end_on", "date", "Planned end"),
        Column("alert_color", "string", "The colour shown today: red, yellow, green or empty"),
        Column("computed_color", "string", "The rules' colour (differs under an override)"),
        Column("alert_evaluated_on", "date", "When the rules last evaluated it"),
        Column("override_expires_on", "date", "Until when a staff override holds, if one"),
        *_kept("When it was registered"),
    ),
    projects_service.stream_projects,
)

POOL_MEMBERS = Export(
    ExportResource.POOL_MEMBERS,
    Scope.READ_POOLS,
    (
        Column("id", "uuid", "The membership's id"),
        Column("pool", "string", "hte, sme or project"),
        Column("enterprise_id", "uuid", "The enterprise's id"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("project_id", "uuid", "The project (project pool only)"),
        Column("tier", "string", "selected, cultivating, mature or applying"),
        Column("status", "string", "active, certified, withdrawn or disqualified"),
        Column("entered_on", "date", "Effective date of the entry"),
        Column("exited_on", "date", "Effective date of the exit, if it left"),
        Column("suggested_tier", "string", "The latest assessment's advice"),
        Column("assessed_year", "integer", "The report year the advice comes from"),
        Column("assessed_at", "datetime", "When it was last assessed"),
        *_kept("When it was recorded"),
    ),
    pools_service.stream_members,
)

VISITS = Export(
    ExportResource.VISITS,
    Scope.READ_VISITS,
    (
        Column("id", "uuid", "The visit's id"),
        Column("enterprise_id", "uuid", "The enterprise visited"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("specialist_ids", "list", "The specialists who visited; in CSV separated by `;`"),
        Column("visited_at", "datetime", "When"),
        Column("kind", "string", "coverage, on_demand or follow_up"),
        Column("channel", "string", "How (on site, by phone, online, …)"),
        Column("policies_presented", "list", "Ids of the catalogue's policies presented"),
        Column("resources_linked", "list", "Resources linked for the enterprise"),
        Column("notes", "string", "The specialists' notes"),
        Column("recorded_by", "uuid", "The user who recorded it"),
        *_kept("When it was recorded"),
    ),
    visits_service.stream_visits,
)

DEMANDS = Export(
    ExportResource.DEMANDS,
    Scope.READ_VISITS,
    (
        Column("id", "uuid", "The demand's id"),
        Column("enterprise_id", "uuid", "The enterprise that has it"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("specialist_id", "uuid", "The responsible specialist"),
        Column("visit_id", "uuid", "The visit it was raised in, if one"),
        Column("category", "string", "policy_consultation, financing, talent, … (DemandCategory)"),
        Column("title", "string", "Title"),
        Column("description", "string", "Description"),
        Column("status", "string", "open, responded, in_progress, resolved, closed or rejected"),
        Column("raised_by", "uuid", "The user who raised it"),
        Column("raised_by_role", "string", "The role of who raised it"),
        Column("raised_at", "datetime", "When it was raised"),
        Column("response_due_at", "datetime", "24 hours later: the first response is due"),
        Column("first_response_at", "datetime", "When it was first answered"),
        Column("resolved_at", "datetime", "When it was resolved"),
        Column("rejection_reason", "string", "Why it was rejected, if it was"),
        *_kept("When it was recorded"),
    ),
    visits_service.stream_demands,
)

ACHIEVEMENTS = Export(
    ExportResource.ACHIEVEMENTS,
    Scope.READ_OUTCOMES,
    (
        Column("id", "uuid", "The ledger entry's id"),
        Column(
            "kind", "string", "hte_certified, sme_registered, little_giant, … (AchievementKind)"
        ),
        Column("enterprise_id", "uuid", "The enterprise's id"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("achieved_on", "date", "When it was achieved"),
        Column("level", "string", "national, regional, city or district"),
        Column("amount", MONEY, "Yuan: funding, an award's prize, a loan"),
        Column("grade", "integer", "An award's grade: 1, 2 or 3"),
        Column("reference", "string", "Certificate or approval number"),
        Column("note", "string", "Note"),
        Column("qualification_id", "uuid", "The qualification it recorded, if one"),
        *_kept("When it was recorded"),
    ),
    outcomes_service.stream_achievements,
)

RANKINGS = Export(
    ExportResource.RANKINGS,
    Scope.READ_RANKINGS,
    (
        Column("run_id", "uuid", "The ranking run"),
        Column("pool", "string", "The ranked pool"),
        Column("year", "integer", "The ranked year"),
        Column("status", "string", "`published` (the run of record) or `superseded`"),
        Column("published_at", "datetime", "When the run was published"),
        Column("position", "integer", "1 is first"),
        Column("enterprise_id", "uuid", "The enterprise's id"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("name", "string", "The enterprise's name when the run was computed"),
        Column("composite", "decimal", "0.5 innovation + 0.3 growth + 0.2 participation"),
        Column("innovation", "decimal", "Innovation dimension score (0-100)"),
        Column("growth", "decimal", "Growth dimension score (0-100)"),
        Column("participation", "decimal", "Participation dimension score (0-100)"),
        Column("incentive", "boolean", "Within the top share: marked for policy incentives"),
        Column("data_incomplete", "boolean", "An indicator was missing"),
        Column("short_board_dimension", "string", "The weakest dimension"),
        Column("short_board_indicator", "string", "The weakest indicator within it"),
        Column("movement", "integer", "Positions gained since the compared run"),
        Column("updated_at", "datetime", "When the run last changed (`updated_since` filters)"),
    ),
    rankings_service.stream_entries_of_record,
)

PLANS = Export(
    ExportResource.PLANS,
    Scope.READ_PLANS,
    (
        Column("id", "uuid", "The plan's id"),
        Column("enterprise_id", "uuid", "The enterprise's id"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("year", "integer", "The plan's year"),
        Column("goal_kind", "string", "`hte`, `sme` or `project`"),
        Column("goal_level", "string", "The project level aimed at (project goals)"),
        Column("target_year", "integer", "The year the goal is aimed at"),
        Column("title", "string", "The plan's title"),
        Column("status", "string", "`active` or `closed`"),
        Column("assessed_year", "integer", "The data year its gap tasks came from"),
        Column("tasks", "integer", "Its tasks"),
        Column("done", "integer", "Tasks done (percent done: done / (tasks − dropped))"),
        Column("dropped", "integer", "Tasks dropped"),
        Column("closed_at", "datetime", "When it was closed"),
        *_kept("When it was made"),
    ),
    plans_service.stream_plans,
)

PLAN_TASKS = Export(
    ExportResource.PLAN_TASKS,
    Scope.READ_PLANS,
    (
        Column("id", "uuid", "The task's id"),
        Column("plan_id", "uuid", "The plan's id"),
        Column("enterprise_id", "uuid", "The enterprise's id"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("year", "integer", "The plan's year"),
        Column("goal_kind", "string", "`hte`, `sme` or `project`"),
        Column("goal_level", "string", "The project level aimed at (project goals)"),
        Column("target_year", "integer", "The year the goal is aimed at"),
        Column("plan_status", "string", "`active` or `closed`"),
        Column("title", "string", "What is to be done"),
        Column("owner", "string", "Who does it"),
        Column("due_on", "date", "When it is due"),
        Column("status", "string", "`open`, `in_progress`, `done` or `dropped`"),
        Column("source", "string", "`gap`, `short_board` or `manual`"),
        Column("gap_code", "string", "The assessment condition a gap task closes"),
        Column("done_at", "datetime", "When it was done"),
        *_kept("When it was added to the plan"),
    ),
    plans_service.stream_tasks,
)

CAMPAIGNS = Export(
    ExportResource.CAMPAIGNS,
    Scope.READ_APPLICATIONS,
    (
        Column("id", "uuid", "The campaign's id"),
        Column("kind", "string", "hte_recognition, sme_evaluation, project, little_giant, …"),
        Column("title", "string", "Title"),
        Column("year", "integer", "The year of the round"),
        Column("batch", "string", "The batch within the year"),
        Column("project_level", "string", "A project campaign's level"),
        Column("programme", "string", "A project campaign's programme"),
        Column("opens_on", "date", "When applications open"),
        Column("internal_deadline_on", "date", "The bureau's deadline for complete materials"),
        Column("submission_deadline_on", "date", "The authority's deadline"),
        Column("checklist_version", "string", "The version of the kind's checklist template"),
        Column("created_by", "uuid", "The user who opened it"),
        *_kept("When it was opened"),
    ),
    applications_service.stream_campaigns,
)

APPLICATIONS = Export(
    ExportResource.APPLICATIONS,
    Scope.READ_APPLICATIONS,
    (
        Column("id", "uuid", "The application's id"),
        Column("campaign_id", "uuid", "The campaign (application round)"),
        Column("kind", "string", "The campaign's kind: hte_recognition, sme_evaluation, …"),
        Column("year", "integer", "The campaign's year"),
        Column("enterprise_id", "uuid", "The enterprise that applies"),
        Column("uscc", "string", "The enterprise's USCC"),
        Column("project_id", "uuid", "The project applied for (project campaigns)"),
        Column("specialist_id", "uuid", "The responsible specialist when it was opened"),
        Column("status", "string", "preparing, submitted, under_review, publicized, approved, …"),
        Column("submitted_at", "datetime", "When it was submitted"),
        Column("assessment", "string", "The readiness assessment at submission (JSON)"),
        Column("tier_at_submission", "string", "The pool tier at submission"),
        Column("decided_on", "date", "When it was approved or rejected"),
        Column("certificate_no", "string", "The certificate or document number"),
        Column("level", "string", "The level granted (little giants)"),
        Column("rejection_reasons", "list", "A rejection's reasons; in CSV separated by `;`"),
        Column("achievement_id", "uuid", "The outcomes ledger's entry while approved"),
        Column("created_by", "uuid", "The user who opened it"),
        *_kept("When it was opened"),
    ),
    applications_service.stream_applications,
)

EXPORTS = {
    export.resource: export
    for export in (
        ENTERPRISES,
        ANNUAL_REPORTS,
        POOL_MEMBERS,
        PROJECTS,
        VISITS,
        DEMANDS,
        ACHIEVEMENTS,
        RANKINGS,
        PLANS,
        PLAN_TASKS,
        CAMPAIGNS,
        APPLICATIONS,
    )
}
SCOPES = {export.resource.value: export.scope for export in EXPORTS.values()}


def columns_markdown() -> str:
    """The columns of every export, for the operation's description in the OpenAPI document."""
    parts = []
    for export in EXPORTS.values():
        rows = "\n".join(f"| `{c.name}` | {c.kind} | {c.description} |" for c in export.columns)
        parts.append(
            f"**{export.resource.value}** (scope `{export.scope.value}`)\n\n"
            f"| column | type | meaning |\n| --- | --- | --- |\n{rows}"
        )
    return "\n\n".join(parts)


# The header row in Chinese (`headers=zh`), for spreadsheets the bureau's staff read; one
# title per column name wherever the name appears (a test holds every column to one).
TITLES_ZH: dict[str, str] = {
    "plan_id": "计划编号",
    "tasks": "任务数",
    "done": "已完成",
    "dropped": "已放弃",
    "closed_at": "关闭时间",
    "goal_kind": "目标类型",
    "goal_level": "目标项目级别",
    "target_year": "目标年度",
    "plan_status": "计划状态",
    "owner": "负责人",
    "due_on": "完成期限",
    "source": "任务来源",
    "gap_code": "差距条件",
    "done_at": "完成时间",
    "id": "编号",
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "short_name": "简称",
    "established_on": "成立日期",
    "district": "所在区域",
    "industry_code": "行业代码",
    "tech_field": "技术领域",
    "tags": "标签",
    "resident_enterprise": "居民企业",
    "restricted_products": "属于禁止限制淘汰类",
    "credit_listed": "列入异常或失信名单",
    "tax_collection": "所得税征收方式",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "联系邮箱",
    "status": "状态",
    "version": "版本",
    "created_at": "创建时间",
    "updated_at": "更新时间",
    "enterprise_id": "企业编号",
    "year": "年度",
    "revenue": "营业收入（元）",
    "high_tech_revenue": "高新技术产品（服务）收入（元）",
    "total_cost": "成本费用总额（元）",
    "net_assets": "净资产（元）",
    "total_assets": "资产总额（元）",
    "employees": "职工总数",
    "st_staff": "科技人员数",
    "rd_expense": "研发费用（元）",
    "rd_expense_domestic": "境内研发费用（元）",
    "ip_class1": "I类知识产权数",
    "ip_class2": "II类知识产权数",
    "ip_class1_new": "当年新增I类知识产权数",
    "ip_class2_new": "当年新增II类知识产权数",
    "ip_class2_used": "已用于认定的II类知识产权数",
    "achievements_transformed": "科技成果转化数",
    "filed_on": "报送日期",
    "tech_advancement": "技术先进程度",
    "core_support": "核心支持作用",
    "ip_self_developed": "自主研发知识产权",
    "standards_drafted": "参与制定标准数",
    "rd_accounting": "研发费用辅助账",
    "rd_institution": "研发机构",
    "transformation_incentives": "成果转化奖励制度",
    "talent_programs": "人才培养与激励",
    "major_incident": "重大安全质量事故",
    "pool": "培育库",
    "project_id": "项目编号",
    "tier": "梯次",
    "entered_on": "入库日期",
    "exited_on": "出库日期",
    "suggested_tier": "建议梯次",
    "assessed_year": "评估年度",
    "assessed_at": "评估时间",
    "title": "名称",
    "level": "级别",
    "programme": "计划类别",
    "approved_funding": "批准经费（元）",
    "disbursed_funding": "已拨付经费（元）",
    "start_on": "开始日期",
    "end_on": "结束日期",
    "alert_color": "预警颜色",
    "computed_color": "计算预警颜色",
    "alert_evaluated_on": "预警评估日期",
    "override_expires_on": "人工调整到期日",
    "specialist_ids": "科技专员编号",
    "visited_at": "走访时间",
    "kind": "类型",
    "channel": "方式",
    "policies_presented": "宣讲政策",
    "resources_linked": "对接资源",
    "notes": "备注",
    "recorded_by": "记录人",
    "specialist_id": "科技专员编号",
    "visit_id": "走访编号",
    "category": "类别",
    "description": "描述",
    "raised_by": "提出人",
    "raised_by_role": "提出人角色",
    "raised_at": "提出时间",
    "response_due_at": "响应期限",
    "first_response_at": "首次响应时间",
    "resolved_at": "办结时间",
    "rejection_reason": "驳回理由",
    "achieved_on": "取得日期",
    "amount": "金额（元）",
    "grade": "等级",
    "reference": "文号",
    "note": "说明",
    "qualification_id": "资质编号",
    "run_id": "排名批次编号",
    "published_at": "发布时间",
    "position": "名次",
    "composite": "综合得分",
    "innovation": "创新能力得分",
    "growth": "成长性得分",
    "participation": "参与度得分",
    "incentive": "政策激励",
    "data_incomplete": "数据不完整",
    "short_board_dimension": "短板维度",
    "short_board_indicator": "短板指标",
    "movement": "名次变化",
    "batch": "批次",
    "project_level": "项目级别",
    "opens_on": "开始申报日期",
    "internal_deadline_on": "内部截止日期",
    "submission_deadline_on": "申报截止日期",
    "checklist_version": "材料清单版本",
    "created_by": "创建人",
    "campaign_id": "申报批次编号",
    "submitted_at": "提交时间",
    "assessment": "提交时评估",
    "tier_at_submission": "提交时梯次",
    "decided_on": "决定日期",
    "certificate_no": "证书编号",
    "rejection_reasons": "未通过理由",
    "achievement_id": "成果编号",
}
