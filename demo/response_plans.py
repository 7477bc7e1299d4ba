"""Demo response plans: one per risk category, with drills, in English or Chinese.

Planted (relative to `as_of`, never the wall clock; the same dates and results in both
languages):
- the SEC (data breach) plan's last drill FAILED (the regulator notice was drafted too late)
  and no drill has passed since — it needs attention;
- the CON (contract management) plan was last drilled OVERDUE_DAYS_AGO days before as_of, more
  than the default drill interval (365 days) — its drill is overdue;
- every other plan passed (or partly passed) a drill within the last ten months;
- SEC, AVL and PRV were edited after their first version (two versions each).
No audit rows (demo data, like the rest of the seed)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, insert

from data_access.codes import RISK_CATEGORIES
from data_access.models import ResponsePlan, ResponsePlanDrill, ResponsePlanVersion
from demo.vocab import CATEGORY_NAMES_ZH

FAILED_CATEGORY = "SEC"
OVERDUE_CATEGORY = "CON"
OVERDUE_DAYS_AGO = 430
EDITED = ("SEC", "AVL", "PRV")

# Per category: the lead's role and duty, and three steps of its own (English, Chinese).
_LEADS = {
    "SEC": (
        ("Security incident lead", "Contains the breach and runs the response"),
        ("安全事件负责人", "遏制泄露并指挥应对"),
        (
            "Revoke the exposed access and preserve the logs",
            "Establish which customers' data was exposed",
            "Decide within 72 hours whether the regulator must be notified",
        ),
        (
            "撤销暴露的访问权限并保全日志",
            "确定哪些客户的数据被泄露",
            "在 72 小时内决定是否须通知监管机构",
        ),
    ),
    "AVL": (
        ("IT operations lead", "Restores the CRM and billing services"),
        ("IT 运维负责人", "恢复 CRM 和计费服务"),
        (
            "Switch to the standby system",
            "Pause the billing run until data is consistent",
            "Confirm recovery with a test transaction",
        ),
        ("切换到备用系统", "在数据一致前暂停出账", "通过测试交易确认恢复"),
    ),
    "ACC": (
        ("Data steward", "Finds and corrects the wrong customer records"),
        ("数据管理员", "查找并更正错误的客户记录"),
        (
            "Freeze automated mailings using the wrong fields",
            "Run the data-quality checks on the affected source",
            "Correct the records and document the cause",
        ),
        ("冻结使用错误字段的自动邮件", "对受影响的数据源运行数据质量检查", "更正记录并记录原因"),
    ),
    "SIL": (
        ("Data steward", "Reconciles the systems holding the customer"),
        ("数据管理员", "核对持有该客户信息的各系统"),
        (
            "List the systems with conflicting records",
            "Agree the survivor record per customer",
            "Merge and tell the system owners",
        ),
        ("列出记录冲突的系统", "确定每位客户的保留记录", "合并记录并通知系统负责人"),
    ),
    "LEG": (
        ("Compliance officer", "Assesses the breach of the rule and the duty to report"),
        ("合规官", "评估违规情况及报告义务"),
        (
            "Stop the non-compliant practice",
            "Obtain legal advice on the exposure",
            "Report to the regulator where required",
        ),
        ("停止不合规的做法", "就风险敞口征求法律意见", "按要求向监管机构报告"),
    ),
    "PRV": (
        ("Data protection officer", "Handles the privacy complaint or misuse"),
        ("数据保护官", "处理隐私投诉或滥用"),
        (
            "Stop the processing without consent",
            "Answer the data subject within 30 days",
            "Update consent records and training",
        ),
        ("停止未经同意的处理", "在 30 天内答复数据主体", "更新同意记录并开展培训"),
    ),
    "SAT": (
        ("Customer experience lead", "Finds why satisfaction fell and acts on it"),
        ("客户体验负责人", "查明满意度下降原因并采取行动"),
        (
            "Read the detractors' comments of the segment",
            "Call the most affected key accounts",
            "Agree a recovery action with the service team",
        ),
        ("阅读该细分市场贬损者的评论", "致电受影响最大的重点客户", "与服务团队商定补救措施"),
    ),
    "CHN": (
        ("Retention lead", "Runs the win-back of customers at risk"),
        ("客户挽留负责人", "组织挽回有流失风险的客户"),
        (
            "List the customers at risk by value",
            "Offer retention terms within a week",
            "Record each outcome on the churn page",
        ),
        ("按价值列出有流失风险的客户", "一周内提供挽留方案", "在流失页面记录每个结果"),
    ),
    "CRD": (
        ("Credit controller", "Limits exposure to the customers whose credit fell"),
        ("信用控制专员", "限制对信用下降客户的风险敞口"),
        (
            "Review the limits of customers whose score fell",
            "Start collection on overdue invoices",
            "Escalate write-offs above the threshold",
        ),
        ("复核信用评分下降客户的额度", "对逾期发票启动催收", "超过阈值的核销须上报"),
    ),
    "CMP": (
        ("Complaints manager", "Owns the complaint backlog and its SLA"),
        ("投诉经理", "负责积压投诉及其服务时限"),
        (
            "Triage open complaints by severity",
            "Assign an owner to every breached case",
            "Call back the customers with escalated cases",
        ),
        ("按严重程度分流未结投诉", "为每个超时案件指定负责人", "回访已升级案件的客户"),
    ),
    "CON": (
        ("Contract manager", "Secures the renewals and terms at risk"),
        ("合同经理", "确保有风险的续约和条款"),
        (
            "List the contracts expiring within 90 days",
            "Contact each customer before the notice period",
            "Record the renewal decision",
        ),
        ("列出 90 天内到期的合同", "在通知期前联系每位客户", "记录续约决定"),
    ),
    "MKT": (
        ("Marketing lead", "Stops and corrects the wrong communication"),
        ("市场负责人", "停止并更正错误的沟通"),
        (
            "Stop the campaign",
            "Send a correction to the recipients",
            "Check the audience rules before the next send",
        ),
        ("停止营销活动", "向收件人发送更正", "下次发送前检查受众规则"),
    ),
    "TEC": (
        ("Change manager", "Rolls back or fixes the failed change"),
        ("变更经理", "回滚或修复失败的变更"),
        (
            "Roll back to the last good release",
            "Check the integrations for lost records",
            "Re-plan the change with a test window",
        ),
        ("回滚到上一个正常版本", "检查接口是否丢失记录", "在测试窗口内重新规划变更"),
    ),
    "ANL": (
        ("Analytics lead", "Corrects the wrong figure and who relied on it"),
        ("分析负责人", "更正错误数据并通知依赖它的人"),
        (
            "Withdraw the wrong report",
            "Recompute and have the figure reviewed",
            "Tell the decision makers who used it",
        ),
        ("撤回错误报告", "重新计算并复核数据", "通知使用过该数据的决策者"),
    ),
}
_COMMON = {
    "en": {
        "roles": [
            ("Communications lead", "Sends the customer and internal notices"),
            ("Risk manager", "Records the incident and its timeline in the register"),
        ],
        "first": "Declare the incident and call the response team",
        "last": "Review the lessons learned within ten working days",
        "edited": "Check the response team's phone list is current",
        "customer": "Dear customer, on [date] we found a problem affecting your account "
        "({category}). What happened: [summary]. What we are doing: [actions]. Questions: "
        "[contact].",
        "regulator": "To [authority]: we report an incident ({category}) detected on [date], "
        "affecting about [n] customers. Measures taken: [actions]. Contact: [officer].",
        "internal": "Incident ({category}) declared at [time]. Lead: [name]. Next update at "
        "[time]. Do not discuss it outside the response team.",
        "findings": {
            "passed": "All steps done within the planned time.",
            "partly": "Roles clear; the customer notice needed a second review.",
            "failed": "The regulator notice was drafted after 96 hours: the 72-hour duty was "
            "missed; the DPO's deputy was not on the call list.",
            "failed_other": "The standby system took six hours to start instead of two.",
        },
    },
    "zh": {
        "roles": [
            ("沟通负责人", "发送客户通知和内部通知"),
            ("风险经理", "在风险登记册中记录事件及其时间线"),
        ],
        "first": "宣布事件并召集应对团队",
        "last": "在十个工作日内复盘经验教训",
        "edited": "确认应对团队的联系电话为最新",
        "customer": "尊敬的客户：我们于[日期]发现一个影响您账户的问题（{category}）。经过：[摘要]。"
        "我们正在采取的措施：[措施]。如有疑问请联系：[联系方式]。",
        "regulator": "致[监管机构]：我们报告一起于[日期]发现的事件（{category}），约影响[n]位客户。"
        "已采取的措施：[措施]。联系人：[负责人]。",
        "internal": "事件（{category}）已于[时间]宣布。负责人：[姓名]。下次通报时间：[时间]。"
        "请勿在应对团队以外讨论。",
        "findings": {
            "passed": "所有步骤均在计划时间内完成。",
            "partly": "职责清晰；客户通知需要二次审核。",
            "failed": "监管通知在 96 小时后才起草，错过了 72 小时的时限；"
            "数据保护官的代理人不在通知名单上。",
            "failed_other": "备用系统用了六个小时才启动，而不是两个小时。",
        },
    },
}
# Drills per category: (days before as_of, result); the planted two are set below.
_DRILLS: dict[str, list[tuple[int, str]]] = {
    code: [(120 + 11 * i, "passed")] for i, code in enumerate(RISK_CATEGORIES)
}
_DRILLS["SEC"] = [(400, "passed"), (200, "partly"), (75, "failed")]
_DRILLS["AVL"] = [(300, "failed"), (90, "passed")]  # a failure cleared by a later pass
_DRILLS["CMP"] = [(60, "partly")]
_DRILLS["CON"] = [(OVERDUE_DAYS_AGO, "passed")]
_DRILLS["ANL"] = [(800, "passed"), (240, "passed")]


def _content(code: str, language: str, edited: bool) -> dict[str, str]:
    common = _COMMON[language]
    en_lead, zh_lead, en_steps, zh_steps = _LEADS[code]
    lead, steps = (en_lead, en_steps) if language == "en" else (zh_lead, zh_steps)
    name = RISK_CATEGORIES[code] if language == "en" else CATEGORY_NAMES_ZH[code]
    roles = [{"role": r, "duty": d} for r, d in (lead, *common["roles"])]
    all_steps = [common["first"], *steps, common["last"]]
    if edited:
        all_steps.insert(1, common["edited"])
    templates = {k: common[k].format(category=name) for k in ("customer", "regulator", "internal")}
    return {
        "roles": json.dumps(roles, ensure_ascii=False),
        "steps": json.dumps(all_steps, ensure_ascii=False),
        "templates": json.dumps(templates, ensure_ascii=False),
    }


def seed_response_plans(conn: Connection, as_of: date, language: str = "en") -> int:
    """Insert a plan per risk category, its versions and drills; returns how many plans."""
    start = datetime.combine(as_of, time(9)) - timedelta(days=900)
    findings = _COMMON[language]["findings"]
    for number, code in enumerate(RISK_CATEGORIES, start=1):
        versions = [_content(code, language, False)]
        if code in EDITED:
            versions.append(_content(code, language, True))
        saved = [start + timedelta(days=number), start + timedelta(days=500 + number)]
        plan_id = conn.execute(
            insert(ResponsePlan).values(
                category=code,
                version=len(versions),
                updated_by="risk",
                updated_at=saved[len(versions) - 1],
                **versions[-1],
            )
        ).inserted_primary_key[0]
        for version, content in enumerate(versions, start=1):
            conn.execute(
                insert(ResponsePlanVersion).values(
                    plan_id=plan_id,
                    version=version,
                    saved_by="risk",
                    saved_at=saved[version - 1],
                    **content,
                )
            )
        for days_ago, result in _DRILLS[code]:
            on = as_of - timedelta(days=days_ago)
            version = 1 if datetime.combine(on, time()) < saved[1] else len(versions)
            other = result == "failed" and code != FAILED_CATEGORY  # not the planted story
            conn.execute(
                insert(ResponsePlanDrill).values(
                    plan_id=plan_id,
                    plan_version=version,
                    drilled_on=on,
                    result=result,
                    findings=findings["failed_other" if other else result],
                    recorded_by="risk",
                    recorded_at=datetime.combine(on, time(17)),
                )
            )
    return len(RISK_CATEGORIES)
