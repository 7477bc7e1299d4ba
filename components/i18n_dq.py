"""UI text of the data-quality page (merged into components.i18n.CATALOG)."""

TEXT: dict[str, dict[str, str]] = {
    "page.dq": {"en": "Data quality", "zh": "数据质量"},
    "dq.title": {"en": "How good is our customer data?", "zh": "客户数据质量如何？"},
    "dq.caption": {
        "en": "Latest check run {run} · {rules} active rules · scores are passed / checked rows per rule, weighted",
        "zh": "最近检查 {run} · {rules} 条生效规则 · 得分 = 每条规则通过行数 / 检查行数，按权重汇总",
    },
    "dq.run": {"en": "Run checks now", "zh": "立即检查"},
    "dq.running": {"en": "Checking every active rule…", "zh": "正在检查所有生效规则……"},
    "dq.ran": {
        "en": "Check run #{run} finished; scores are updated.",
        "zh": "检查 #{run} 已完成，得分已更新。",
    },
    "dq.no_runs": {"en": "No check has run yet.", "zh": "尚未运行任何检查。"},
    "dq.overall": {"en": "Overall score", "zh": "总体得分"},
    "dq.overall.help": {
        "en": "Weighted average of every rule's pass rate in the latest run; change against the run before.",
        "zh": "最近一次检查中所有规则通过率的加权平均；变化相对于上一次检查。",
    },
    "dq.dim.completeness": {"en": "Completeness", "zh": "完整性"},
    "dq.dim.validity": {"en": "Validity", "zh": "有效性"},
    "dq.dim.uniqueness": {"en": "Uniqueness", "zh": "唯一性"},
    "dq.dim.timeliness": {"en": "Timeliness", "zh": "及时性"},
    "dq.dim.consistency": {"en": "Consistency", "zh": "一致性"},
    "dq.dim.accuracy": {"en": "Accuracy", "zh": "准确性"},
    "dq.dim.completeness.help": {"en": "Required values are filled in.", "zh": "必填值已填写。"},
    "dq.dim.validity.help": {
        "en": "Values have the right format and come from the allowed codes and ranges.",
        "zh": "值格式正确，且来自允许的代码和范围。",
    },
    "dq.dim.uniqueness.help": {
        "en": "Keys such as e-mail and phone occur once.",
        "zh": "电子邮件、电话等键值只出现一次。",
    },
    "dq.dim.timeliness.help": {
        "en": "Records were updated recently enough.",
        "zh": "记录更新足够及时。",
    },
    "dq.dim.consistency.help": {
        "en": "The same customer agrees across CRM, ERP, billing and support, and references resolve.",
        "zh": "同一客户在 CRM、ERP、计费和客服系统中一致，引用可解析。",
    },
    "dq.dim.accuracy.help": {
        "en": "Dates are plausible: not in the future, in the right order.",
        "zh": "日期合理：不在未来，先后顺序正确。",
    },
    "dq.tab.scorecard": {"en": "Scorecard", "zh": "记分卡"},
    "dq.tab.trend": {"en": "Trend", "zh": "趋势"},
    "dq.tab.rules": {"en": "Rules", "zh": "规则"},
    "dq.tab.duplicates": {"en": "Duplicates", "zh": "重复客户"},
    "dq.tab.silos": {"en": "Silos", "zh": "数据孤岛"},
    "dq.matrix_title": {"en": "Score by table and dimension", "zh": "按数据表与维度的得分"},
    "dq.source_title": {
        "en": "Score by source system and dimension",
        "zh": "按来源系统与维度的得分",
    },
    "dq.matrix_note": {
        "en": "Blank: no rule of that dimension checks that table. Colours run from red (80% or less) to blue (100%).",
        "zh": "空白：该维度没有规则检查该表。颜色从红色（80% 及以下）到蓝色（100%）。",
    },
    "dq.trend_dimension": {
        "en": "Score per dimension over the last check runs",
        "zh": "最近各次检查的维度得分",
    },
    "dq.trend_source": {
        "en": "Score per source system over the last check runs",
        "zh": "最近各次检查的来源系统得分",
    },
    "dq.trend_note": {
        "en": "Seeded history runs check the rows that existed at each month's start.",
        "zh": "演示历史检查只检查每月初已存在的记录。",
    },
    "dq.score": {"en": "Score", "zh": "得分"},
    "dq.rule": {"en": "Rule", "zh": "规则"},
    "dq.table": {"en": "Table", "zh": "数据表"},
    "dq.column": {"en": "Column", "zh": "字段"},
    "dq.dimension": {"en": "Dimension", "zh": "维度"},
    "dq.type": {"en": "Rule type", "zh": "规则类型"},
    "dq.threshold": {"en": "Target", "zh": "目标"},
    "dq.meets": {"en": "Meets target", "zh": "达标"},
    "dq.failed": {"en": "Failing rows", "zh": "未通过行数"},
    "dq.weight": {"en": "Weight", "zh": "权重"},
    "dq.active": {"en": "Active", "zh": "生效"},
    "dq.rules_hint": {
        "en": "Rules below target first. Select a rule to see what it checks and the rows that fail it.",
        "zh": "未达标的规则在前。选择规则可查看其检查内容和未通过的记录。",
    },
    "dq.rule_numbers": {
        "en": "Checked {checked} rows in the latest run; {failed} failed. Parameters: {params}",
        "zh": "最近一次检查 {checked} 行，{failed} 行未通过。参数：{params}",
    },
    "dq.failing_count": {
        "en": "Showing {shown} of {total} failing rows (as of now)",
        "zh": "显示 {total} 条未通过记录中的 {shown} 条（截至目前）",
    },
    "dq.records_not_allowed": {
        "en": "Failing records are available to risk managers and analysts; this view shows scores only.",
        "zh": "未通过的明细记录仅向风险经理和分析师开放；此视图只显示得分。",
    },
    "dq.edit": {"en": "Edit this rule", "zh": "编辑此规则"},
    "dq.description": {"en": "Description", "zh": "说明"},
    "dq.save": {"en": "Save rule", "zh": "保存规则"},
    "dq.saved": {
        "en": "Rule saved. Run the checks to update the scores.",
        "zh": "规则已保存。运行检查以更新得分。",
    },
    "dq.rules_org_wide": {
        "en": "Rules measure every region, so only a user without a region scope may change them.",
        "zh": "规则衡量所有区域，因此只有不受区域范围限制的用户才能修改规则。",
    },
    "dq.invalid": {"en": "The rule was not saved: {errors}", "zh": "规则未保存：{errors}"},
    "dq.add": {"en": "Add a rule", "zh": "新增规则"},
    "dq.params": {"en": "Parameters (JSON)", "zh": "参数（JSON）"},
    "dq.params.help": {
        "en": 'For example {"days": 365} for fresh_within_days, {"values": ["A", "B"]} for in_set, {"kind": "email"} for pattern, {"min": 0, "max": 850} for range.',
        "zh": '例如 fresh_within_days 用 {"days": 365}，in_set 用 {"values": ["A", "B"]}，pattern 用 {"kind": "email"}，range 用 {"min": 0, "max": 850}。',
    },
    "dq.create": {"en": "Create rule", "zh": "创建规则"},
    "dq.created": {
        "en": "Rule {code} created. Run the checks to score it.",
        "zh": "规则 {code} 已创建。运行检查以计算得分。",
    },
    "dq.duplicates_summary": {
        "en": "**{clusters}** groups of likely duplicate customers ({rows} records), best matches first.",
        "zh": "**{clusters}** 组疑似重复客户（{rows} 条记录），最匹配的在前。",
    },
    "dq.duplicates_note": {
        "en": "Candidates share a normalised e-mail or phone number; the match score weighs name similarity 50, e-mail 20, phone 20 and company 10 over the fields both records have.",
        "zh": "候选记录共享标准化后的电子邮件或电话；匹配分按双方都有的字段计算：姓名相似度 50、电子邮件 20、电话 20、公司 10。",
    },
    "dq.cluster": {"en": "Group", "zh": "组"},
    "dq.row": {"en": "Row", "zh": "行号"},
    "dq.master": {"en": "{field} in the master", "zh": "主数据中的 {field}"},
    "dq.source": {"en": "Source", "zh": "来源"},
    "dq.company": {"en": "Company", "zh": "公司"},
    "dq.match": {"en": "Match score", "zh": "匹配分"},
    "dq.evidence": {"en": "Evidence", "zh": "依据"},
    "dq.no_silo_rules": {"en": "No cross-system rule is active.", "zh": "没有生效的跨系统规则。"},
    "dq.silo_title": {
        "en": "Agreement of source records with the customer master, by field",
        "zh": "来源记录与客户主数据的一致率（按字段）",
    },
    "dq.silo_note": {
        "en": "Share of source-system records whose field matches the master record after normalising (case, spaces, phone format); only records where both sides have a value are compared.",
        "zh": "标准化（大小写、空格、电话格式）后字段与主记录一致的来源记录占比；仅比较双方都有值的记录。",
    },
    "dq.silo_field": {"en": "Show records that disagree on", "zh": "显示不一致字段"},
    "dq.desc.not_null": {
        "en": "**{subject}** is filled in (not empty or blank).",
        "zh": "**{subject}** 已填写（非空）。",
    },
    "dq.desc.in_set": {
        "en": "**{subject}** is one of: {values}.",
        "zh": "**{subject}** 取值属于：{values}。",
    },
    "dq.desc.range": {
        "en": "**{subject}** lies between {min} and {max}.",
        "zh": "**{subject}** 位于 {min} 与 {max} 之间。",
    },
    "dq.desc.pattern": {
        "en": "**{subject}** is a well-formed {kind}.",
        "zh": "**{subject}** 是格式正确的 {kind}。",
    },
    "dq.desc.unique": {
        "en": "**{columns}** occurs only once in the table.",
        "zh": "**{columns}** 在表中只出现一次。",
    },
    "dq.desc.fresh_within_days": {
        "en": "**{subject}** is no older than {days} days.",
        "zh": "**{subject}** 不早于 {days} 天前。",
    },
    "dq.desc.not_future": {
        "en": "**{subject}** is not in the future.",
        "zh": "**{subject}** 不在未来。",
    },
    "dq.desc.referential": {
        "en": "**{subject}** refers to an existing {ref}.",
        "zh": "**{subject}** 引用的 {ref} 存在。",
    },
    "dq.desc.cross_system_match": {
        "en": "The source system's **{field}** matches the customer master.",
        "zh": "来源系统的 **{field}** 与客户主数据一致。",
    },
    "dq.desc.date_order": {
        "en": "**{after}** is not earlier than **{before}**.",
        "zh": "**{after}** 不早于 **{before}**。",
    },
}
