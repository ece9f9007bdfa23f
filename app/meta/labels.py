"""Display labels of every enum the API speaks, in Simplified Chinese and English.

The one place frontends get them from (GET /api/v1/meta/enums), keyed by the enum's schema
name in the OpenAPI document. A test walks openapi/openapi.json and fails when an enum there,
or one of its values, has no labels here: add them with the enum.
"""

from __future__ import annotations

ZH = "zh-CN"
EN = "en"
LOCALES = (ZH, EN)

# enum schema name → value → (zh-CN, en)
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "admin": ("系统管理员", "Administrator"),
    "manager": ("科技局工作人员", "Bureau manager"),
    "specialist": ("科技专员", "Tech specialist"),
    "enterprise": ("企业用户", "Enterprise user"),
    "integration": ("系统对接", "Integration"),
}

# The fields lists sort by (`sort=`): each ascending by its name, descending by `-name`.
SORT_FIELDS: dict[str, tuple[str, str]] = {
    "created_at": ("登记时间", "Registered"),
    "title": ("名称", "Title"),
    "end_on": ("结束日期", "End date"),
    "raised_at": ("提出时间", "Raised"),
    "response_due_at": ("响应期限", "Response due"),
    "visited_at": ("走访时间", "Visited"),
    "achieved_on": ("取得日期", "Achieved"),
    "valid_from": ("生效日期", "Valid from"),
    "held_on": ("举办日期", "Held"),
    "name": ("企业名称", "Enterprise name"),
    "entered_on": ("入库日期", "Entered"),
}


def _sorts(*fields: str) -> dict[str, tuple[str, str]]:
    labels: dict[str, tuple[str, str]] = {}
    for field in fields:
        zh, en = SORT_FIELDS[field]
        labels[field] = (f"{zh}（升序）", f"{en}, ascending")
        labels[f"-{field}"] = (f"{zh}（降序）", f"{en}, descending")
    return labels


LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "ProjectSort": _sorts("created_at", "title", "end_on"),
    "DemandSort": _sorts("raised_at", "response_due_at"),
    "VisitSort": _sorts("visited_at"),
    "AchievementSort": _sorts("achieved_on"),
    "PolicySort": _sorts("valid_from"),
    "ActivitySort": _sorts("held_on"),
    "PoolMemberSort": _sorts("created_at", "name", "entered_on"),
    "ActivityKind": {
        "training": ("培训", "Training"),
        "policy_briefing": ("政策宣讲", "Policy briefing"),
        "matchmaking": ("对接会", "Matchmaking"),
        "little_giant_consulting": ("小巨人企业咨询", "Little-giant consulting"),
        "maker_space_placement": ("众创空间入驻", "Maker-space placement"),
        "pilot_base_placement": ("中试基地入驻", "Pilot-base placement"),
        "publicity": ("宣传推介", "Publicity"),
    },
    "AchievementKind": {
        "hte_certified": ("高新技术企业认定", "High-tech enterprise certified"),
        "sme_registered": ("科技型中小企业入库", "Tech-based SME registered"),
        "little_giant": ("科技小巨人", "Tech little giant"),
        "srdi_little_giant": ("专精特新企业", "Specialised and innovative (SRDI) enterprise"),
        "project_approved": ("科技项目立项", "Tech project approved"),
        "funding_awarded": ("争取资金", "Funding awarded"),
        "competition_award": ("创新创业大赛获奖", "Competition award"),
        "first_of_kind_product": ("首台套/首批次/首版次", "First-of-kind product"),
        "ip_pledge_loan": ("知识产权质押贷款", "IP pledge loan"),
    },
    "AchievementLevel": {
        "national": ("国家级", "National"),
        "regional": ("自治区级", "Regional"),
        "city": ("市级", "City"),
        "district": ("区级", "District"),
    },
    "AlertCause": {
        "write": ("数据变更", "Data change"),
        "sweep": ("每日巡检", "Daily sweep"),
    },
    "AlertReasonCode": {
        "milestone_overdue": ("里程碑逾期", "Milestone overdue"),
        "past_end_date": ("超过结束日期", "Past the end date"),
        "spi_below_red": ("进度指数低于红色阈值", "SPI below the red threshold"),
        "spi_below_yellow": ("进度指数低于黄色阈值", "SPI below the yellow threshold"),
        "milestone_due_soon": ("里程碑即将到期", "Milestone due soon"),
        "report_stale": ("进度报告未及时更新", "Progress report stale"),
        "end_near_incomplete": ("临近结束仍未完成", "End near, work incomplete"),
    },
    "StaleSince": {
        "start_date": ("自项目开始日期", "Since the start date"),
        "report": ("自最近一次报告", "Since the last report"),
    },
    "AlertColor": {
        "red": ("红色预警", "Red"),
        "yellow": ("黄色预警", "Yellow"),
        "green": ("绿色正常", "Green"),
    },
    "ChangeOperation": {
        "insert": ("新增", "Inserted"),
        "update": ("修改", "Updated"),
        "delete": ("删除", "Deleted"),
    },
    "ExportFormat": {
        "ndjson": ("NDJSON（每行一个 JSON）", "NDJSON (one JSON object per line)"),
        "csv": ("CSV 表格", "CSV"),
        "xlsx": ("Excel 工作簿（xlsx）", "Excel workbook (xlsx)"),
    },
    "ExportResource": {
        "enterprises": ("企业", "Enterprises"),
        "annual-reports": ("年度报表", "Annual reports"),
        "pool-members": ("培育库成员", "Pool members"),
        "projects": ("科技项目", "Tech projects"),
        "visits": ("走访", "Visits"),
        "demands": ("企业诉求", "Demands"),
        "achievements": ("成果台账", "Achievements"),
        "rankings": ("动态监测排名", "Rankings"),
    },
    "FeedResourceName": {
        "enterprise": ("企业", "Enterprise"),
        "annual_report": ("年度报表", "Annual report"),
        "pool_member": ("培育库成员", "Pool member"),
        "project": ("科技项目", "Tech project"),
        "visit": ("走访", "Visit"),
        "demand": ("企业诉求", "Demand"),
        "achievement": ("成果", "Achievement"),
        "ranking": ("动态监测排名", "Ranking run"),
    },
    "ImportFormat": {
        "ndjson": ("NDJSON（每行一个 JSON）", "NDJSON (one JSON object per line)"),
        "csv": ("CSV 表格", "CSV"),
        "xlsx": ("Excel 工作簿（xlsx）", "Excel workbook (xlsx)"),
    },
    "ImportKind": {
        "enterprises": ("企业", "Enterprises"),
        "annual_reports": ("年度报表", "Annual reports"),
    },
    "ImportMode": {
        "all_or_nothing": ("全部成功才导入", "All or nothing"),
        "valid_only": ("仅导入有效行", "Valid rows only"),
    },
    "ImportStatus": {
        "pending": ("排队中", "Pending"),
        "running": ("导入中", "Running"),
        "succeeded": ("已完成", "Succeeded"),
        "failed": ("失败", "Failed"),
    },
    "Scope": {
        "read:enterprises": ("读取企业与年报", "Read enterprises and reports"),
        "read:pools": ("读取培育库", "Read cultivation pools"),
        "read:projects": ("读取科技项目", "Read tech projects"),
        "read:visits": ("读取走访与诉求", "Read visits and demands"),
        "read:activities": ("读取培育活动", "Read cultivation activities"),
        "read:rankings": ("读取动态监测排名", "Read rankings"),
        "read:outcomes": ("读取成果与统计", "Read outcomes and statistics"),
        "read:policies": ("读取政策", "Read policies"),
        "read:changes": ("读取变更流", "Read the change feed"),
    },
    "DemandCategory": {
        "policy_consultation": ("政策咨询", "Policy consultation"),
        "project_application": ("项目申报指导", "Project application guidance"),
        "qualification_recognition": ("资质认定", "Qualification recognition"),
        "financing": ("投融资", "Financing"),
        "talent": ("人才", "Talent"),
        "intellectual_property": ("知识产权", "Intellectual property"),
        "platforms_maker_spaces": ("平台与众创空间", "Platforms and maker spaces"),
        "pilot_base": ("中试基地", "Pilot base"),
        "publicity": ("宣传推广", "Publicity"),
        "other": ("其他", "Other"),
    },
    "DemandStatus": {
        "open": ("待响应", "Open"),
        "responded": ("已响应", "Responded"),
        "in_progress": ("办理中", "In progress"),
        "resolved": ("已解决", "Resolved"),
        "closed": ("已关闭", "Closed"),
        "rejected": ("不予受理", "Rejected"),
    },
    "Dimension": {
        "innovation": ("创新能力", "Innovation"),
        "growth": ("成长性", "Growth"),
        "participation": ("参与度", "Participation"),
    },
    "EnterpriseStatus": {
        "active": ("正常", "Active"),
        "archived": ("已归档", "Archived"),
    },
    "ExitOutcome": {
        "certified": ("认定通过", "Certified"),
        "withdrawn": ("主动退出", "Withdrawn"),
        "disqualified": ("取消资格", "Disqualified"),
    },
    "Grade": {
        "A": ("A级", "Grade A"),
        "B": ("B级", "Grade B"),
        "C": ("C级", "Grade C"),
        "D": ("D级", "Grade D"),
        "E": ("E级", "Grade E"),
    },
    "Indicator": {
        "rd_intensity": ("研发投入强度", "R&D intensity"),
        "st_staff_ratio": ("科技人员占比", "S&T staff ratio"),
        "new_ip": ("新增知识产权", "New intellectual property"),
        "achievements": ("成果转化", "Achievements transformed"),
        "revenue_growth": ("营业收入增长率", "Revenue growth"),
        "net_asset_growth": ("净资产增长率", "Net asset growth"),
        "attendance": ("活动参与率", "Activity attendance"),
        "visits": ("走访次数", "Visits"),
        "timely_report": ("年报按时报送", "Annual report on time"),
    },
    "MemberStatus": {
        "active": ("在库", "Active"),
        "certified": ("认定出库", "Certified"),
        "withdrawn": ("主动退出", "Withdrawn"),
        "disqualified": ("取消资格", "Disqualified"),
    },
    "PolicyCriterion": {
        "pool": ("培育库", "Cultivation pool"),
        "tech_field": ("技术领域", "High-tech field"),
        "max_employees": ("职工人数上限", "Maximum employees"),
        "max_revenue": ("营业收入上限", "Maximum revenue"),
        "qualification": ("资质要求", "Qualification required"),
    },
    "PolicyLevel": {
        "national": ("国家级", "National"),
        "regional": ("自治区级", "Regional"),
        "city": ("市级", "City"),
        "district": ("区级", "District"),
    },
    "Pool": {
        "hte": ("高新技术企业培育库", "High-tech enterprise cultivation pool"),
        "sme": ("科技型中小企业培育库", "Tech-based SME cultivation pool"),
        "project": ("科技项目培育库", "Tech project cultivation pool"),
    },
    "ProjectLevel": {
        "national": ("国家级", "National"),
        "regional": ("自治区级", "Regional"),
        "city": ("市级", "City"),
        "district": ("区级", "District"),
    },
    "ProjectStatus": {
        "applying": ("申报中", "Applying"),
        "approved": ("已立项", "Approved"),
        "in_progress": ("实施中", "In progress"),
        "completed": ("已完成", "Completed"),
        "accepted": ("已验收", "Accepted"),
        "terminated": ("已终止", "Terminated"),
    },
    "QualificationKind": {
        "hte": ("高新技术企业", "High-tech enterprise"),
        "sme": ("科技型中小企业", "Tech-based SME"),
    },
    "Role": ROLE_LABELS,
    # The subsets of Role that user accounts take (app.auth.roles): the same words.
    "LoginRole": {k: v for k, v in ROLE_LABELS.items() if k != "integration"},
    "StaffRole": {k: v for k, v in ROLE_LABELS.items() if k in {"admin", "manager", "specialist"}},
    "RunStatus": {
        "draft": ("草稿", "Draft"),
        "published": ("已发布", "Published"),
        "superseded": ("已被替代", "Superseded"),
    },
    "TechField": {
        "electronic_information": ("电子信息", "Electronic information"),
        "biology_new_medicine": ("生物与新医药", "Biology and new medicine"),
        "aerospace": ("航空航天", "Aerospace"),
        "new_materials": ("新材料", "New materials"),
        "high_tech_services": ("高技术服务", "High-tech services"),
        "new_energy_energy_saving": ("新能源与节能", "New energy and energy saving"),
        "resources_environment": ("资源与环境", "Resources and environment"),
        "advanced_manufacturing_automation": (
            "先进制造与自动化",
            "Advanced manufacturing and automation",
        ),
    },
    "Tier": {
        "selected": ("优选一批", "Selected"),
        "cultivating": ("培育一批", "Cultivating"),
        "mature": ("成熟一批", "Mature"),
        "applying": ("申报一批", "Applying"),
    },
    "TransitionKind": {
        "entry": ("入库", "Entry"),
        "tier_change": ("调整梯队", "Tier change"),
        "exit": ("出库", "Exit"),
    },
    "VisitChannel": {
        "onsite": ("上门走访", "On site"),
        "phone": ("电话", "Phone"),
        "online": ("线上", "Online"),
    },
    "VisitKind": {
        "coverage": ("全覆盖走访", "Coverage round"),
        "on_demand": ("一对一服务", "One-to-one"),
        "follow_up": ("回访", "Follow-up"),
    },
}
