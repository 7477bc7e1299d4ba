"""UI text in English and Simplified Chinese. One catalog = one glossary: the same term for
the same thing everywhere. `t(key, **args)` formats with str.format."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.i18n_admin import TEXT as ADMIN_TEXT
from components.i18n_churn import CODE_LABELS as CHURN_CODES
from components.i18n_churn import FACTOR_LABELS
from components.i18n_churn import TEXT as CHURN_TEXT
from components.i18n_dq import TEXT as DQ_TEXT
from components.i18n_import import TEXT as IMPORT_TEXT
from components.i18n_satisfaction import CODE_LABELS
from components.i18n_satisfaction import TEXT as SATISFACTION_TEXT
from components.state import LANGUAGE

LANGUAGES = {"en": "English", "zh": "简体中文"}

CATALOG: dict[str, dict[str, str]] = {
    # app shell
    "app.title": {"en": "CRM risk dashboard", "zh": "CRM 风险仪表板"},
    "app.language": {"en": "Language", "zh": "语言"},
    "app.signed_in_as": {
        "en": "Signed in as **{name}** · {role}",
        "zh": "当前用户：**{name}** · {role}",
    },
    "audit.export": {
        "en": "Export these {n} events (CSV)",
        "zh": "导出这 {n} 条事件（CSV）",
    },
    "app.scope": {"en": "Region scope: {scope}", "zh": "区域范围：{scope}"},
    "app.logout": {"en": "Log out", "zh": "退出登录"},
    "app.not_allowed": {
        "en": "You are not allowed to open this page. Ask an administrator if you need access.",
        "zh": "您无权打开此页面。如需访问，请联系管理员。",
    },
    "app.please_login": {"en": "Please log in to see this page.", "zh": "请先登录再查看此页面。"},
    "app.db_busy": {
        "en": "The database is busy right now (a large import or check is being written). "
        "Nothing was lost; try again in a moment.",
        "zh": "数据库当前繁忙（正在写入大批量导入或检查结果）。没有数据丢失；请稍后重试。",
    },
    "app.db_unavailable": {
        "en": "The data source is unavailable right now. Try again in a moment.",
        "zh": "数据源暂时不可用，请稍后重试。",
    },
    # login
    "login.form": {"en": "Log in", "zh": "登录"},
    "login.username": {"en": "Username", "zh": "用户名"},
    "login.password": {"en": "Password", "zh": "密码"},
    "login.submit": {"en": "Log in", "zh": "登录"},
    "login.refused": {
        "en": "Not logged in: the username or password is wrong, or the account is locked "
        "or deactivated. After repeated failures an account is locked for {minutes} minutes; "
        "an administrator can unlock it sooner.",
        "zh": "登录失败：用户名或密码错误，或账户已被锁定或停用。多次失败后账户将被锁定 "
        "{minutes} 分钟；管理员可提前解锁。",
    },
    "login.ended": {
        "en": "Your login has ended: you logged out elsewhere, or your password, role or access "
        "was changed. Please log in again.",
        "zh": "您的登录已结束：您已在其他地方退出，或您的密码、角色或访问权限已更改。请重新登录。",
    },
    "login.intro": {
        "en": "Risk KPIs, satisfaction, churn and data quality for the CRM risk team.",
        "zh": "面向 CRM 风险团队的风险指标、满意度、流失和数据质量。",
    },
    # roles
    "role.executive": {"en": "Executive", "zh": "高管"},
    "role.risk_manager": {"en": "Risk manager", "zh": "风险经理"},
    "role.analyst": {"en": "Analyst", "zh": "分析师"},
    "role.admin": {"en": "Administrator", "zh": "管理员"},
    # filters
    "filters.header": {"en": "Filters", "zh": "筛选"},
    "filters.end_month": {"en": "Period ends with", "zh": "期末月份"},
    "filters.months": {"en": "Period length", "zh": "期间长度"},
    "filters.months_n": {"en": "{n} month(s)", "zh": "{n} 个月"},
    "filters.region": {"en": "Region", "zh": "区域"},
    "filters.segment": {"en": "Segment", "zh": "客户细分"},
    "filters.tier": {"en": "Tier", "zh": "客户等级"},
    "filters.all": {"en": "All", "zh": "全部"},
    "filters.caption": {
        "en": "{start} – {end} · region {regions} · segment {segments} · tier {tiers} · data as of {as_of}",
        "zh": "{start} – {end} · 区域 {regions} · 细分 {segments} · 等级 {tiers} · 数据截至 {as_of}",
    },
    # pages
    "page.overview": {"en": "Overview", "zh": "总览"},
    "page.audit": {"en": "Audit log", "zh": "审计日志"},
    "page.register": {"en": "Risk register", "zh": "风险登记册"},
    # risk register
    "register.title": {"en": "Which risks need action?", "zh": "哪些风险需要处理？"},
    "register.caption": {
        "en": "Register as of today; KRIs from the latest computed month.",
        "zh": "登记册为今日状态；KRI 取最近计算的月份。",
    },
    "register.tab.register": {"en": "Register", "zh": "登记册"},
    "register.tab.trends": {"en": "Trends", "zh": "趋势"},
    "register.tab.appetite": {"en": "Appetite", "zh": "风险偏好"},
    "register.matrix_hint": {
        "en": "Click a cell to filter the register below.",
        "zh": "点击单元格以筛选下方登记册。",
    },
    "register.matrix_kind": {"en": "Assessment", "zh": "评估类型"},
    "register.kind.inherent": {"en": "Inherent", "zh": "固有"},
    "register.kind.current": {"en": "Current", "zh": "当前"},
    "register.kind.target": {"en": "Target", "zh": "目标"},
    "register.matrix_title": {
        "en": "Open risks, {kind} likelihood × impact",
        "zh": "未关闭风险：{kind}可能性 × 影响",
    },
    "register.likelihood": {"en": "Likelihood", "zh": "可能性"},
    "register.impact": {"en": "Impact", "zh": "影响"},
    "register.include_closed": {"en": "Include closed risks", "zh": "包含已关闭风险"},
    "register.flags": {"en": "Only", "zh": "仅显示"},
    "register.flag.above_appetite": {"en": "Above appetite", "zh": "超出偏好"},
    "register.flag.review_overdue": {"en": "Review overdue", "zh": "复核逾期"},
    "register.flag.kri_red": {"en": "KRI red", "zh": "KRI 红灯"},
    "register.empty": {
        "en": "No risks in this scope. Widen the filters or record a new risk.",
        "zh": "此范围内没有风险。请放宽筛选或登记新风险。",
    },
    "register.cell_filter": {
        "en": "Showing {kind} likelihood {l} × impact {i}. Click the cell again to clear.",
        "zh": "当前显示{kind}可能性 {l} × 影响 {i}。再次点击单元格可清除。",
    },
    "register.counts": {
        "en": "**{shown}** of {total} risks · {above} above appetite · {overdue} with overdue review",
        "zh": "共 {total} 个风险中显示 **{shown}** 个 · {above} 个超出偏好 · {overdue} 个复核逾期",
    },
    "register.col.code": {"en": "Code", "zh": "编号"},
    "register.col.title": {"en": "Risk", "zh": "风险"},
    "register.col.score": {"en": "Score (L×I)", "zh": "评分（L×I）"},
    "register.col.appetite": {"en": "Appetite", "zh": "风险偏好"},
    "register.col.status": {"en": "Status", "zh": "状态"},
    "register.col.owner": {"en": "Owner", "zh": "负责人"},
    "register.col.treatment": {"en": "Treatment", "zh": "应对策略"},
    "register.col.next_review": {"en": "Next review", "zh": "下次复核"},
    "register.col.overdue_actions": {"en": "Overdue actions", "zh": "逾期行动"},
    "register.col.kri": {"en": "KRI", "zh": "KRI"},
    "register.select_hint": {
        "en": "Select a row above, or pick a risk here",
        "zh": "在上方选择一行，或在此选择风险",
    },
    "register.open_risk": {"en": "Open a risk", "zh": "打开风险"},
    "register.not_visible": {
        "en": "This risk does not exist or is outside your scope.",
        "zh": "该风险不存在或不在您的权限范围内。",
    },
    "register.trend.open": {
        "en": "Open risks by level, month end",
        "zh": "各月末按等级的未关闭风险",
    },
    "register.trend.flow": {"en": "New and closed risks per month", "zh": "每月新增与关闭的风险"},
    "register.trend.created": {"en": "New", "zh": "新增"},
    "register.trend.closed": {"en": "Closed", "zh": "关闭"},
    "register.trend.pressure": {
        "en": "Above appetite, overdue reviews and actions",
        "zh": "超出偏好、逾期复核与逾期行动",
    },
    "register.trend.ttc": {
        "en": "Mean days to close (risks closed that month)",
        "zh": "平均关闭天数（当月关闭的风险）",
    },
    "register.trend.days": {"en": "Days", "zh": "天"},
    "register.appetite.title": {
        "en": "Worst current score vs appetite per category",
        "zh": "各类别最差当前评分与风险偏好",
    },
    "register.appetite.worst": {"en": "Worst current score", "zh": "最差当前评分"},
    "register.appetite.breaches": {
        "en": "Breaches: {n} open risks above appetite",
        "zh": "超限：{n} 个未关闭风险超出偏好",
    },
    "register.new": {"en": "Record a new risk", "zh": "登记新风险"},
    "register.create": {"en": "Record risk", "zh": "登记风险"},
    "register.created": {"en": "Risk recorded.", "zh": "风险已登记。"},
    "register.saved": {"en": "Saved.", "zh": "已保存。"},
    "register.all_regions_read_only": {
        "en": "This risk applies to all regions: only a user without a region scope may change it.",
        "zh": "此风险适用于所有区域：只有不受区域范围限制的用户才能修改。",
    },
    "edit.changed_since_opened": {
        "en": "Someone else has saved a change to this since you opened it. Your forms still "
        "show what you opened, and a save from them will be refused. Load the latest version "
        "to continue from their change.",
        "zh": "自您打开以来，其他人已保存了修改。表单仍显示您打开时的内容，从中保存将被拒绝。"
        "请加载最新版本，在其修改的基础上继续。",
    },
    "export.csv": {"en": "Download these {n} rows (CSV)", "zh": "下载这 {n} 行（CSV）"},
    "edit.load_latest": {"en": "Load the latest version", "zh": "加载最新版本"},
    "edit.stale": {
        "en": "Not saved: someone else changed this after you opened it. What you typed is "
        "still in the form; load the latest version, then apply your change again.",
        "zh": "未保存：您打开之后其他人修改了此内容。您输入的内容仍保留在表单中；"
        "请加载最新版本，再重新应用您的修改。",
    },
    "edit.nothing_changed": {
        "en": "Nothing was changed, so nothing was saved.",
        "zh": "没有任何修改，因此未保存。",
    },
    "register.invalid": {"en": "Nothing was saved. Please correct:", "zh": "未保存。请更正："},
    "register.description": {"en": "Description", "zh": "描述"},
    "register.kris": {"en": "Key risk indicators", "zh": "关键风险指标"},
    "register.no_kris": {"en": "No KRI is linked to this risk yet.", "zh": "该风险尚未关联 KRI。"},
    "register.acceptance_expired": {"en": "Acceptance expired", "zh": "接受已过期"},
    "register.incident": {"en": "Incident", "zh": "事件"},
    "register.lessons": {"en": "Lessons learned", "zh": "经验教训"},
    "register.tab.assessments": {"en": "Assessments", "zh": "评估"},
    "register.tab.treatment": {"en": "Treatments", "zh": "应对"},
    "register.tab.actions": {"en": "Actions", "zh": "行动"},
    "register.tab.reviews": {"en": "Reviews", "zh": "复核"},
    "register.tab.history": {"en": "Change history", "zh": "变更历史"},
    "register.workflow": {"en": "Update this risk", "zh": "更新此风险"},
    "register.do.assess": {"en": "Assess", "zh": "评估"},
    "register.do.treat": {"en": "Treat", "zh": "应对"},
    "register.do.action": {"en": "Actions", "zh": "行动"},
    "register.do.review": {"en": "Record review", "zh": "记录复核"},
    "register.do.edit": {"en": "Edit", "zh": "编辑"},
    "register.do.status": {"en": "Incident / close", "zh": "事件 / 关闭"},
    "register.note": {"en": "Note", "zh": "备注"},
    "register.save": {"en": "Save", "zh": "保存"},
    "register.rationale": {"en": "Rationale", "zh": "理由"},
    "register.approver": {"en": "Approver (for Accept)", "zh": "审批人（接受时必填）"},
    "register.expiry": {"en": "Acceptance expires (for Accept)", "zh": "接受到期日（接受时必填）"},
    "register.accept_hint": {
        "en": "Accepting a risk needs an approver and a future expiry date.",
        "zh": "接受风险需要审批人和未来的到期日。",
    },
    "register.action_title": {"en": "Action", "zh": "行动"},
    "register.due": {"en": "Due", "zh": "截止日期"},
    "register.add_action": {"en": "Add action", "zh": "添加行动"},
    "register.complete_which": {"en": "Open action", "zh": "未完成的行动"},
    "register.complete": {"en": "Mark done", "zh": "标记完成"},
    "register.review_note": {"en": "Review note", "zh": "复核说明"},
    "register.review_hint": {
        "en": "The next review date follows the current level's cadence.",
        "zh": "下次复核日期按当前等级的复核周期确定。",
    },
    "register.materialise": {"en": "Mark materialised", "zh": "标记为已发生"},
    "register.recover": {"en": "Record recovery", "zh": "记录恢复"},
    "register.close": {"en": "Close risk", "zh": "关闭风险"},
    "register.reopen": {"en": "Reopen risk", "zh": "重新打开风险"},
    "kri.state.green": {"en": "green", "zh": "绿"},
    "kri.state.amber": {"en": "amber", "zh": "黄"},
    "kri.state.red": {"en": "red", "zh": "红"},
    "kri.state.insufficient": {"en": "insufficient data", "zh": "数据不足"},
    "kri.thresholds": {
        "en": "amber at {amber:g}, red at {red:g}",
        "zh": "黄灯 {amber:g}，红灯 {red:g}",
    },
    "kri.period": {"en": "Month {month}", "zh": "月份 {month}"},
    # audit log
    "audit.title": {"en": "Who did what, and when?", "zh": "谁在何时做了什么？"},
    "audit.caption": {
        "en": "Append-only record of logins, lockouts, imports, exports and changes. {total:,} matching events.",
        "zh": "登录、锁定、导入、导出和变更的只增记录。共 {total:,} 条匹配事件。",
    },
    "audit.user": {"en": "User", "zh": "用户"},
    "audit.action": {"en": "Action", "zh": "操作"},
    "audit.days": {"en": "Last days", "zh": "最近天数"},
    "audit.page": {"en": "Page", "zh": "页码"},
    "audit.chart": {"en": "Events per day by action", "zh": "每日事件数（按操作）"},
    "audit.events": {"en": "Events", "zh": "事件数"},
    "audit.day": {"en": "Day", "zh": "日期"},
    "audit.empty": {
        "en": "No events match these filters. Widen the period or clear the user and action.",
        "zh": "没有符合筛选条件的事件。请扩大时间范围或清除用户和操作筛选。",
    },
    "audit.col.at": {"en": "Time", "zh": "时间"},
    "audit.col.object": {"en": "Object", "zh": "对象"},
    "audit.col.detail": {"en": "Detail", "zh": "详情"},
    # overview
    "overview.title": {"en": "What needs attention today?", "zh": "今天需要关注什么？"},
    "overview.register": {"en": "Risk register", "zh": "风险登记册"},
    "overview.signals": {"en": "Customer signals", "zh": "客户信号"},
    "overview.open_register": {"en": "Open the risk register", "zh": "打开风险登记册"},
    "overview.open_churn": {"en": "Open churn and credit", "zh": "打开流失与信用"},
    "overview.open_dq": {"en": "Open data quality", "zh": "打开数据质量"},
    "overview.open_satisfaction": {
        "en": "Open satisfaction and complaints",
        "zh": "打开满意度与投诉",
    },
    "overview.deltas": {
        "en": "Changes are against the previous period of the same length.",
        "zh": "变化均与等长的上一期相比。",
    },
    "overview.attention": {"en": "Needs attention", "zh": "需要关注"},
    "overview.attention_empty": {
        "en": "Nothing needs attention for this selection: no risk above appetite, no significant drop.",
        "zh": "当前筛选下没有需要关注的事项：无超出风险偏好的风险，也无显著下降。",
    },
    "overview.open_by_level": {
        "en": "Open risks by category and level",
        "zh": "按类别和等级的未关闭风险",
    },
    "overview.signal_trend": {
        "en": "NPS and churn, last 12 months",
        "zh": "近 12 个月 NPS 与流失率",
    },
    "overview.no_risks": {
        "en": "No open risks in this scope. Widen the filters to see more.",
        "zh": "此范围内没有未关闭的风险。请放宽筛选条件。",
    },
    "kpi.open_high": {"en": "Open High + Critical risks", "zh": "未关闭的高/极高风险"},
    "kpi.open_high.help": {
        "en": "Open risks whose current score (likelihood × impact) is High (10–16) or Critical (17–25), at the period end. {detail}",
        "zh": "期末当前评分（可能性 × 影响）为高（10–16）或极高（17–25）的未关闭风险。{detail}",
    },
    "kpi.above_appetite": {"en": "Risks above appetite", "zh": "超出风险偏好的风险"},
    "kpi.above_appetite.help": {
        "en": "Open risks whose current score exceeds the maximum tolerated score of their category.",
        "zh": "当前评分超过其类别可容忍最高分的未关闭风险。",
    },
    "kpi.overdue_reviews": {"en": "Overdue reviews", "zh": "逾期复核"},
    "kpi.overdue_reviews.help": {
        "en": "Open risks whose next review date had passed at the period end.",
        "zh": "期末时已过下次复核日期的未关闭风险。",
    },
    "kpi.churn": {"en": "Monthly churn rate", "zh": "月流失率"},
    "kpi.churn.help": {
        "en": "Customers lost in the period ÷ customers active at the start of each month (summed over the period's months). 95% CI {ci}; n = {n}.",
        "zh": "期内流失客户数 ÷ 各月初活跃客户数之和。95% 置信区间 {ci}；n = {n}。",
    },
    "kpi.nps": {"en": "NPS", "zh": "净推荐值 NPS"},
    "kpi.nps.help": {
        "en": "% promoters (9–10) − % detractors (0–6) of survey answers in the period. 95% CI {ci}; n = {n}.",
        "zh": "期内调查中推荐者（9–10）占比 − 贬损者（0–6）占比。95% 置信区间 {ci}；n = {n}。",
    },
    "kpi.sla": {"en": "Complaint SLA breaches", "zh": "投诉 SLA 违约率"},
    "kpi.sla.help": {
        "en": "Complaints opened in the period that were resolved after their SLA, or are still open past it. 95% CI {ci}; n = {n}.",
        "zh": "期内受理的投诉中，超过 SLA 才解决或至今超时未解决的比例。95% 置信区间 {ci}；n = {n}。",
    },
    "kpi.dq": {"en": "Data-quality score", "zh": "数据质量得分"},
    "kpi.dq.help": {
        "en": "Passed ÷ checked records per rule, weighted over all active rules, latest check run ({run}); change since the previous run. Covers all regions.",
        "zh": "每条规则的通过数 ÷ 检查数，按权重汇总所有启用规则，最近一次检查（{run}）；变化为与上一次检查相比。覆盖全部区域。",
    },
    "kpi.insufficient": {"en": "insufficient data", "zh": "数据不足"},
    "kpi.none": {"en": "–", "zh": "–"},
    # attention reasons
    "attention.above_appetite": {
        "en": "Current score {score} ({level}) is above the category appetite of {appetite}.",
        "zh": "当前评分 {score}（{level}）高于该类别的风险偏好 {appetite}。",
    },
    "attention.review_overdue": {
        "en": "{level} risk, review overdue by {days} days.",
        "zh": "{level}风险，复核已逾期 {days} 天。",
    },
    "attention.nps_drop": {
        "en": "NPS fell from {before:.0f} to {now:.0f} (n = {n}, p = {p:.1g}), a significant drop.",
        "zh": "NPS 从 {before:.0f} 降至 {now:.0f}（n = {n}，p = {p:.1g}），下降显著。",
    },
    "attention.dq_source": {
        "en": "Data-quality score {score:.1%} is below the {target:.0%} target.",
        "zh": "数据质量得分 {score:.1%}，低于 {target:.0%} 的目标。",
    },
    "attention.kind.above_appetite": {"en": "Above appetite", "zh": "超出偏好"},
    "attention.kind.kri_red": {"en": "KRI red", "zh": "KRI 红灯"},
    "attention.kri_red": {
        "en": "KRI “{kri}” is red: {value:.3g} against a red threshold of {red:g}.",
        "zh": "KRI“{kri}”为红灯：{value:.3g}，红灯阈值 {red:g}。",
    },
    "attention.kind.review_overdue": {"en": "Review overdue", "zh": "复核逾期"},
    "attention.kind.nps_drop": {"en": "Satisfaction drop", "zh": "满意度下降"},
    "attention.kind.dq_source": {"en": "Data quality", "zh": "数据质量"},
    "attention.col.what": {"en": "What", "zh": "事项"},
    "attention.col.kind": {"en": "Signal", "zh": "信号"},
    "attention.col.why": {"en": "Why", "zh": "原因"},
    # risk categories (DOMAIN.md §1)
    "category.SEC": {"en": "Data security / breach", "zh": "数据安全/泄露"},
    "category.AVL": {"en": "System failure", "zh": "系统故障"},
    "category.ACC": {"en": "Inaccurate customer data", "zh": "客户数据不准确"},
    "category.SIL": {"en": "Data silos", "zh": "数据孤岛"},
    "category.LEG": {"en": "Legal and regulatory compliance", "zh": "法律与合规"},
    "category.PRV": {"en": "Privacy", "zh": "隐私"},
    "category.SAT": {"en": "Satisfaction decline", "zh": "满意度下降"},
    "category.CHN": {"en": "Customer churn", "zh": "客户流失"},
    "category.CRD": {"en": "Credit", "zh": "信用"},
    "category.CMP": {"en": "Complaints and service quality", "zh": "投诉与服务质量"},
    "category.CON": {"en": "Contract management", "zh": "合同管理"},
    "category.MKT": {"en": "Marketing and communication", "zh": "营销与沟通"},
    "category.TEC": {"en": "Technology update and maintenance", "zh": "技术更新与维护"},
    "category.ANL": {"en": "Analysis error", "zh": "分析错误"},
    # levels and chart labels
    "level.Low": {"en": "Low", "zh": "低"},
    "level.Medium": {"en": "Medium", "zh": "中"},
    "level.High": {"en": "High", "zh": "高"},
    "level.Critical": {"en": "Critical", "zh": "极高"},
    "chart.risks": {"en": "Open risks", "zh": "未关闭风险"},
    "chart.category": {"en": "Category", "zh": "类别"},
    "chart.level": {"en": "Level", "zh": "等级"},
    "chart.month": {"en": "Month", "zh": "月份"},
    "chart.nps": {"en": "NPS", "zh": "NPS"},
    "chart.nps_ci": {"en": "NPS 95% CI", "zh": "NPS 95% 置信区间"},
    "chart.churn": {"en": "Monthly churn rate", "zh": "月流失率"},
    "chart.responses": {"en": "responses", "zh": "份回复"},
}


CATALOG |= SATISFACTION_TEXT
CATALOG |= CHURN_TEXT
CATALOG |= DQ_TEXT
CATALOG |= ADMIN_TEXT
CATALOG |= IMPORT_TEXT
CATALOG |= {f"code.{code}": text for code, text in (CODE_LABELS | CHURN_CODES).items()}
CATALOG |= {f"factor.{name}": text for name, text in FACTOR_LABELS.items()}


def language() -> str:
    return st.session_state.get(LANGUAGE, "en")


def t(key: str, **args: object) -> str:
    """The text for `key` in the session's language (English if a translation is missing)."""
    entry = CATALOG.get(key)
    if entry is None:
        return key
    text = entry.get(language()) or entry["en"]
    return text.format(**args) if args else text


def code_label(code: str) -> str:
    """A data code (region, tier, touchpoint, severity…) in the reader's language."""
    return t(f"code.{code}") if f"code.{code}" in CATALOG else str(code)


def month_label(month: date) -> str:
    """'Mar 2026' or '2026年3月'."""
    return f"{month.year}年{month.month}月" if language() == "zh" else month.strftime("%b %Y")


def language_switch() -> None:
    """Sidebar language selector; the choice lives in session state."""
    st.sidebar.selectbox(
        t("app.language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key=LANGUAGE,
    )
