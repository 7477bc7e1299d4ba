"""Vocabularies for the demo data: names, companies, comments, register risks and KRIs, in
English and Chinese (`texts(language)` hands out one language's)."""

from __future__ import annotations

from dataclasses import dataclass

SURNAMES = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Gao",
    "Luo",
)
GIVEN_NAMES = (
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Lei",
    "Yang",
    "Jun",
    "Yan",
    "Tao",
    "Ming",
    "Chao",
    "Xia",
    "Hui",
    "Qiang",
    "Ping",
    "Gang",
    "Hong",
    "Bo",
    "Lan",
    "Xin",
    "Yu",
    "Hao",
    "Ting",
    "Kai",
    "Rui",
    "Dan",
    "Long",
    "Mei",
    "Shan",
)
COMPANY_WORDS = (
    "Huaxin",
    "Jinlong",
    "Tianyu",
    "Hengda",
    "Zhongke",
    "Xinhua",
    "Dongfang",
    "Yuanjing",
    "Haitong",
    "Changjiang",
    "Minsheng",
    "Ruida",
    "Shengshi",
    "Baofeng",
    "Kangtai",
    "Lianhe",
)
COMPANY_SUFFIXES = ("Trading", "Technology", "Logistics", "Retail", "Holdings", "Foods", "Medical")
POSITIONS = ("Purchasing manager", "CFO", "Owner", "IT director", "Operations lead", "Buyer")
# Where consumers live, per region: (city, the first three digits of its postcodes).
CITIES = {
    "North": (("Beijing", "100"), ("Tianjin", "300"), ("Shijiazhuang", "050")),
    "South": (("Guangzhou", "510"), ("Shenzhen", "518"), ("Xiamen", "361")),
    "East": (("Shanghai", "200"), ("Hangzhou", "310"), ("Nanjing", "210")),
    "West": (("Chengdu", "610"), ("Chongqing", "400"), ("Xi'an", "710")),
    "Central": (("Wuhan", "430"), ("Changsha", "410"), ("Zhengzhou", "450")),
}
STREETS = (
    "Renmin Road",
    "Jiefang Road",
    "Zhongshan Road",
    "Jianshe Road",
    "Heping Street",
    "Xinhua Road",
    "Changjiang Road",
    "Yingbin Avenue",
    "Century Avenue",
    "Wenhua Road",
    "Dongfeng Road",
    "Gongyuan Street",
)

DETRACTOR_COMMENTS = (
    "Waited three days for a reply to my ticket.",
    "Billing errors again this month.",
    "The new app keeps logging me out.",
    "Price went up without notice.",
    "客服响应太慢了。",
    "账单金额不对，处理很久。",
    "Nobody called back after my complaint.",
)
PROMOTER_COMMENTS = (
    "Account manager is very helpful.",
    "Fast delivery and clear invoices.",
    "服务很好，会推荐给朋友。",
    "Easy to reach support.",
)
COMPLAINT_TEXTS = {
    "billing": "Invoice amount disputed",
    "service": "Slow response from service desk",
    "product": "Product defect reported",
    "delivery": "Late delivery",
    "privacy": "Unwanted marketing contact",
    "staff": "Unfriendly staff behaviour",
}

RISK_OWNERS = ("Li Na", "Zhang Wei", "Chen Jing", "Liu Yang", "Wang Fang", "Zhao Lei", "Sun Min")

# Register risks. Scores are (likelihood, impact). `age` = months since creation;
# `overdue` = days the review is overdue at as_of (None = on schedule);
# `closed` = months before as_of it was closed.
RISKS = (
    dict(
        cat="SEC",
        title="Customer data breach through over-broad CRM access",
        title_zh="CRM 访问权限过宽导致客户数据泄露",
        inh=(4, 5),
        cur=(2, 4),
        tgt=(1, 4),
        treat="Mitigate",
        status="Treating",
        age=20,
        desc="Sales staff can export full customer lists; no MFA on remote access.",
        desc_zh="销售人员可导出完整客户名单；远程访问未启用多因素认证（MFA）。",
    ),
    dict(
        cat="SEC",
        title="Phishing of service-desk credentials",
        title_zh="服务台账号凭据遭网络钓鱼窃取",
        inh=(4, 4),
        cur=(2, 4),
        tgt=(2, 3),
        treat="Mitigate",
        status="Monitoring",
        age=14,
    ),
    dict(
        cat="AVL",
        title="CRM outage during month-end billing run",
        title_zh="月末出账期间 CRM 系统故障",
        inh=(3, 5),
        cur=(2, 4),
        tgt=(2, 3),
        treat="Mitigate",
        status="Monitoring",
        age=22,
        overdue=12,
    ),
    dict(
        cat="AVL",
        title="Backup restore never tested for the support system",
        title_zh="客户支持系统的备份恢复从未演练",
        inh=(3, 4),
        cur=(3, 4),
        tgt=(1, 4),
        treat="Mitigate",
        status="Treating",
        age=5,
    ),
    dict(
        cat="ACC",
        title="Stale and duplicate ERP customer master",
        title_zh="ERP 客户主数据陈旧且重复",
        inh=(5, 3),
        cur=(4, 4),
        tgt=(2, 3),
        treat="Mitigate",
        status="Treating",
        age=10,
        overdue=40,
        desc="ERP records are not updated for over a year; near-duplicate customers.",
        desc_zh="ERP 记录超过一年未更新；存在近似重复的客户。",
    ),
    dict(
        cat="ACC",
        title="Wrong contact data leads to missed service calls",
        title_zh="客户联系信息错误导致服务电话无法接通",
        inh=(3, 3),
        cur=(3, 3),
        tgt=(2, 2),
        treat="Mitigate",
        status="Assessed",
        age=3,
    ),
    dict(
        cat="SIL",
        title="CRM, ERP and billing disagree on customer details",
        title_zh="CRM、ERP 与账单系统的客户信息不一致",
        inh=(4, 3),
        cur=(4, 3),
        tgt=(2, 3),
        treat="Mitigate",
        status="Treating",
        age=16,
    ),
    dict(
        cat="LEG",
        title="PIPL consent records incomplete for marketing lists",
        title_zh="营销名单的《个人信息保护法》同意记录不完整",
        inh=(4, 4),
        cur=(3, 4),
        tgt=(2, 3),
        treat="Mitigate",
        status="Treating",
        age=12,
        overdue=25,
    ),
    dict(
        cat="LEG",
        title="Right-to-erasure requests not handled within 15 days",
        title_zh="个人信息删除请求未在 15 天内处理",
        inh=(3, 4),
        cur=(2, 4),
        tgt=(1, 4),
        treat="Mitigate",
        status="Monitoring",
        age=18,
    ),
    dict(
        cat="PRV",
        title="Personal data kept beyond the retention period",
        title_zh="个人信息保存超过规定期限",
        inh=(3, 3),
        cur=(3, 3),
        tgt=(2, 2),
        treat="Accept",
        status="Monitoring",
        age=15,
        accept_expired=True,
    ),
    dict(
        cat="SAT",
        title="East region satisfaction decline",
        title_zh="华东区域客户满意度下降",
        region="East",
        inh=(4, 4),
        cur=(4, 4),
        tgt=(2, 3),
        treat="Mitigate",
        status="Treating",
        age=4,
        desc="NPS in East fell sharply over the last quarter.",
        desc_zh="华东区域 NPS 在最近一个季度大幅下滑。",
    ),
    dict(
        cat="SAT",
        title="Service quality gap in the Consumer segment",
        title_zh="个人客户服务质量存在差距",
        segment="Consumer",
        inh=(3, 3),
        cur=(3, 3),
        tgt=(2, 2),
        treat="Mitigate",
        status="Assessed",
        age=8,
    ),
    dict(
        cat="CHN",
        title="Churn of monthly-contract SMB customers",
        title_zh="按月签约的中小企业客户流失",
        segment="SMB",
        inh=(4, 4),
        cur=(3, 4),
        tgt=(2, 3),
        treat="Mitigate",
        status="Treating",
        age=19,
        desc="Monthly contracts churn about three times as often as annual ones.",
        desc_zh="按月合同客户的流失率约为年度合同客户的三倍。",
    ),
    dict(
        cat="CHN",
        title="Loss of VIP accounts to a competitor",
        title_zh="VIP 客户流失至竞争对手",
        tier="VIP",
        inh=(3, 5),
        cur=(2, 5),
        tgt=(2, 4),
        treat="Mitigate",
        status="Monitoring",
        age=11,
        overdue=8,
    ),
    dict(
        cat="CRD",
        title="Overdue receivables of low-credit customers",
        title_zh="低信用客户应收账款逾期",
        inh=(4, 3),
        cur=(4, 3),
        tgt=(2, 3),
        treat="Mitigate",
        status="Treating",
        age=17,
    ),
    dict(
        cat="CRD",
        title="Credit limits not reviewed for important customers",
        title_zh="重要客户的信用额度未定期审查",
        tier="important",
        inh=(3, 3),
        cur=(2, 3),
        tgt=(2, 2),
        treat="Transfer",
        status="Monitoring",
        age=9,
    ),
    dict(
        cat="CMP",
        title="Complaint resolution SLA breaches",
        title_zh="投诉处理超出 SLA 时限",
        inh=(4, 3),
        cur=(3, 3),
        tgt=(2, 3),
        treat="Mitigate",
        status="Treating",
        age=13,
    ),
    dict(
        cat="CMP",
        title="Escalated complaints reach social media",
        title_zh="升级投诉扩散至社交媒体",
        inh=(2, 5),
        cur=(2, 4),
        tgt=(1, 4),
        treat="Mitigate",
        status="Monitoring",
        age=21,
    ),
    dict(
        cat="CON",
        title="Unclear renewal terms in SMB contracts",
        title_zh="中小企业合同续约条款不明确",
        segment="SMB",
        inh=(3, 3),
        cur=(2, 3),
        tgt=(2, 2),
        treat="Mitigate",
        status="Monitoring",
        age=23,
    ),
    dict(
        cat="CON",
        title="Service-level commitments not tracked",
        title_zh="服务水平承诺未跟踪落实",
        inh=(3, 2),
        cur=(3, 2),
        tgt=(2, 2),
        treat="Accept",
        status="Monitoring",
        age=7,
    ),
    dict(
        cat="MKT",
        title="Campaigns sent to customers without consent",
        title_zh="向未经同意的客户推送营销活动",
        inh=(3, 4),
        cur=(2, 3),
        tgt=(1, 3),
        treat="Avoid",
        status="Monitoring",
        age=16,
    ),
    dict(
        cat="MKT",
        title="Mis-targeted win-back offers annoy loyal customers",
        title_zh="挽回优惠投放不准，引起忠诚客户反感",
        inh=(2, 2),
        cur=(2, 2),
        tgt=(1, 2),
        treat="Accept",
        status="Monitoring",
        age=6,
    ),
    dict(
        cat="TEC",
        title="CRM version out of vendor support next year",
        title_zh="CRM 版本明年将停止厂商支持",
        inh=(3, 3),
        cur=(3, 3),
        tgt=(1, 3),
        treat="Mitigate",
        status="Treating",
        age=12,
    ),
    dict(
        cat="TEC",
        title="Failed upgrade of the billing interface",
        title_zh="账单接口升级失败",
        inh=(2, 4),
        cur=(2, 3),
        tgt=(1, 3),
        treat="Mitigate",
        status="Closed",
        age=20,
        closed=6,
    ),
    dict(
        cat="ANL",
        title="Churn reports built on unvalidated data",
        title_zh="流失报表基于未经验证的数据",
        inh=(3, 3),
        cur=(3, 3),
        tgt=(2, 2),
        treat="Mitigate",
        status="Identified",
        age=2,
    ),
    dict(
        cat="ANL",
        title="Dashboard KPIs computed with inconsistent definitions",
        title_zh="仪表盘 KPI 计算口径不一致",
        inh=(2, 3),
        cur=(2, 3),
        tgt=(1, 2),
        treat="Mitigate",
        status="Closed",
        age=18,
        closed=9,
    ),
    dict(
        cat="AVL",
        title="Contact-centre telephony outage",
        title_zh="呼叫中心电话系统中断",
        region="North",
        inh=(3, 4),
        cur=(3, 4),
        tgt=(2, 3),
        treat="Mitigate",
        status="Materialised",
        age=15,
        incident="Telephony down for 6 hours on the North hotline; 1,200 calls lost.",
        incident_zh="华北客服热线电话中断 6 小时，1,200 通来电未能接通。",
    ),
    dict(
        cat="SEC",
        title="Lost laptop with customer export",
        title_zh="存有客户导出数据的笔记本电脑丢失",
        inh=(2, 4),
        cur=(1, 4),
        tgt=(1, 3),
        treat="Mitigate",
        status="Closed",
        age=22,
        closed=14,
    ),
    dict(
        cat="CMP",
        title="North hotline wait times",
        title_zh="华北客服热线等待时间过长",
        region="North",
        inh=(3, 2),
        cur=(2, 2),
        tgt=(1, 2),
        treat="Mitigate",
        status="Closed",
        age=10,
        closed=2,
    ),
    dict(
        cat="CRD",
        title="Default of a large Enterprise customer",
        title_zh="大型企业客户违约",
        segment="Enterprise",
        inh=(2, 5),
        cur=(3, 5),
        tgt=(2, 4),
        treat="Transfer",
        status="Treating",
        age=3,
        overdue=5,
    ),
)

APPETITE = {
    "SEC": 8,
    "AVL": 12,
    "ACC": 12,
    "SIL": 12,
    "LEG": 8,
    "PRV": 8,
    "SAT": 12,
    "CHN": 12,
    "CRD": 12,
    "CMP": 12,
    "CON": 12,
    "MKT": 15,
    "TEC": 15,
    "ANL": 12,
}


def risk_code(number: int) -> str:
    """The register code of the `number`-th risk in RISKS (from 1): what KRIs point at."""
    return f"R-{number:03d}"


# (risk code, KRI name, its Chinese name, metric, scope, param, direction, amber, red).
# KRIs watch a risk by its code (its place in RISKS), never by its title, which differs
# between the demo's languages.
KRIS = (
    (
        "R-011",
        "NPS East",
        "华东 NPS",
        "nps",
        {"scope_region": "East"},
        None,
        "lower_bad",
        20.0,
        5.0,
    ),
    (
        "R-012",
        "CSAT top-2-box Consumer",
        "个人客户 CSAT 前两档占比",
        "csat",
        {"scope_segment": "Consumer"},
        None,
        "lower_bad",
        0.70,
        0.60,
    ),
    (
        "R-013",
        "Monthly churn SMB",
        "中小企业月流失率",
        "churn_rate",
        {"scope_segment": "SMB"},
        None,
        "higher_bad",
        0.012,
        0.018,
    ),
    (
        "R-014",
        "Monthly churn VIP",
        "VIP 客户月流失率",
        "churn_rate",
        {"scope_tier": "VIP"},
        None,
        "higher_bad",
        0.010,
        0.015,
    ),
    (
        "R-015",
        "Invoices overdue > 30 days",
        "逾期超过 30 天的账单占比",
        "overdue_30_share",
        {},
        None,
        "higher_bad",
        0.03,
        0.06,
    ),
    (
        "R-017",
        "Complaint SLA breach rate",
        "投诉 SLA 违约率",
        "sla_breach_rate",
        {},
        None,
        "higher_bad",
        0.10,
        0.15,
    ),
    (
        "R-005",
        "Data-quality score customers",
        "数据质量得分：客户",
        "dq_score",
        {},
        "customers",
        "lower_bad",
        0.99,
        0.97,
    ),
    (
        "R-007",
        "Data-quality score source records",
        "数据质量得分：源系统记录",
        "dq_score",
        {},
        "customer_source_records",
        "lower_bad",
        0.97,
        0.94,
    ),
    (
        "R-025",
        "Data-quality score invoices",
        "数据质量得分：账单",
        "dq_score",
        {},
        "invoices",
        "lower_bad",
        0.98,
        0.95,
    ),
)

# --- the demo in Chinese ---------------------------------------------------------------------
# Chinese counterparts of every text above that ends up in the data (risk titles, descriptions
# and the incident note sit next to their English in RISKS as `title_zh`, `desc_zh`,
# `incident_zh`). Each tuple has as many entries as its English one, in the same order, so the
# random draws, and with them every number, are the same in both languages. People's, owners'
# and companies' names stay in pinyin in both.

DETRACTOR_COMMENTS_ZH = (
    "工单提交后等了三天才有回复。",
    "这个月账单又出错了。",
    "新版 App 总是自动退出登录。",
    "价格上涨却没有提前通知。",
    "客服响应太慢了。",
    "账单金额不对，处理很久。",
    "投诉之后一直没有人回电话。",
)
PROMOTER_COMMENTS_ZH = (
    "客户经理非常热心，帮了很多忙。",
    "发货快，账单清楚。",
    "服务很好，会推荐给朋友。",
    "客服很容易联系上。",
)
COMPLAINT_TEXTS_ZH = {
    "billing": "对账单金额有异议",
    "service": "服务台响应缓慢",
    "product": "反映产品存在缺陷",
    "delivery": "交付延迟",
    "privacy": "收到未经同意的营销联系",
    "staff": "员工服务态度不友好",
}
# The risk categories as the Chinese UI names them (locales/zh.json, `category.*`).
CATEGORY_NAMES_ZH = {
    "SEC": "数据安全/泄露",
    "AVL": "系统故障",
    "ACC": "客户数据不准确",
    "SIL": "数据孤岛",
    "LEG": "法律与合规",
    "PRV": "隐私",
    "SAT": "满意度下降",
    "CHN": "客户流失",
    "CRD": "信用",
    "CMP": "投诉与服务质量",
    "CON": "合同管理",
    "MKT": "营销与沟通",
    "TEC": "技术更新与维护",
    "ANL": "分析错误",
}

# The register's fixed notes: assessments, reviews, actions, treatment rationales, appetite.
PHRASES = {
    "en": {
        "initial_assessment": "Initial assessment",
        "reassessment": "Re-assessed after treatment",
        "initial_review": "Initial review at identification",
        "periodic_review": "Periodic review",
        "action_define": "Define control owner and procedure",
        "action_implement": "Implement and test the control",
        "rationale.Avoid": "Stop the activity that creates the exposure.",
        "rationale.Mitigate": "Controls reduce likelihood and impact to target.",
        "rationale.Transfer": "Exposure covered by insurance / credit guarantee.",
        "rationale.Accept": "Within tolerance; cost of further controls too high.",
        "appetite": "Tolerate {category} risk up to a score of {score}.",
        "description": "{title}.",
    },
    "zh": {
        "initial_assessment": "初始评估",
        "reassessment": "应对后重新评估",
        "initial_review": "识别时的首次审查",
        "periodic_review": "定期审查",
        "action_define": "明确控制责任人和操作流程",
        "action_implement": "实施并测试控制措施",
        "rationale.Avoid": "停止产生该风险敞口的业务活动。",
        "rationale.Mitigate": "通过控制措施将可能性和影响降至目标水平。",
        "rationale.Transfer": "通过保险 / 信用担保转移风险敞口。",
        "rationale.Accept": "处于容忍范围内；进一步控制的成本过高。",
        "appetite": "{category}风险可容忍的评分上限为 {score}。",
        "description": "{title}。",
    },
}

LANGUAGES = tuple(PHRASES)  # the demo's languages; "en" is the default


@dataclass(frozen=True)
class DemoTexts:
    """The demo's texts in one language (the numbers do not depend on it)."""

    language: str
    detractor_comments: tuple[str, ...]
    promoter_comments: tuple[str, ...]
    complaint_texts: dict[str, str]
    phrases: dict[str, str]

    def _field(self, name: str) -> str:
        return name if self.language == "en" else f"{name}_{self.language}"

    def risk_title(self, spec: dict) -> str:
        return spec[self._field("title")]

    def risk_description(self, spec: dict) -> str:
        default = self.phrases["description"].format(title=self.risk_title(spec))
        return spec.get(self._field("desc"), default)

    def incident_note(self, spec: dict) -> str | None:
        return spec.get(self._field("incident"))

    def kri_name(self, kri: tuple) -> str:
        return kri[1] if self.language == "en" else kri[2]


def texts(language: str = "en") -> DemoTexts:
    """The demo's texts in `language` (one of LANGUAGES)."""
    if language == "en":
        return DemoTexts(
            "en", DETRACTOR_COMMENTS, PROMOTER_COMMENTS, COMPLAINT_TEXTS, PHRASES["en"]
        )
    if language == "zh":
        return DemoTexts(
            "zh", DETRACTOR_COMMENTS_ZH, PROMOTER_COMMENTS_ZH, COMPLAINT_TEXTS_ZH, PHRASES["zh"]
        )
    raise ValueError(f"unknown demo language {language!r}; choose one of {', '.join(LANGUAGES)}")
