"""UI text of the import page (merged into components.i18n.CATALOG)."""

TEXT: dict[str, dict[str, str]] = {
    "page.import": {"en": "Import data", "zh": "导入数据"},
    "import.title": {"en": "Bring in your own CRM export", "zh": "导入您自己的 CRM 数据"},
    "import.caption": {
        "en": "CSV (UTF-8) or XLSX, one table at a time. Every row is checked first; if any row has a problem nothing is written.",
        "zh": "CSV（UTF-8）或 XLSX，每次一张表。先检查每一行；任何一行有问题则不写入任何数据。",
    },
    "import.table": {"en": "Table", "zh": "数据表"},
    "import.table.customers": {"en": "Customers", "zh": "客户"},
    "import.table.invoices": {"en": "Invoices", "zh": "账单"},
    "import.table.surveys": {"en": "Survey answers", "zh": "调查回复"},
    "import.table.complaints": {"en": "Complaints", "zh": "投诉"},
    "import.table.risks": {"en": "Register risks", "zh": "登记册风险"},
    "import.mode": {"en": "Rows already in the database", "zh": "数据库中已有的行"},
    "import.mode.append": {"en": "Refuse (append only)", "zh": "拒绝（仅追加）"},
    "import.mode.upsert": {"en": "Update them (upsert)", "zh": "更新（upsert）"},
    "import.format": {"en": "File format for {table}", "zh": "{table}的文件格式"},
    "import.key": {"en": "Rows are identified by: {columns}", "zh": "行的唯一标识：{columns}"},
    "import.template": {"en": "Download a template", "zh": "下载模板"},
    "import.file": {"en": "File to import", "zh": "要导入的文件"},
    "import.run": {"en": "Check and import", "zh": "检查并导入"},
    "import.reading": {"en": "Reading the file…", "zh": "正在读取文件……"},
    "import.rows": {"en": "{n} rows checked", "zh": "已检查 {n} 行"},
    "import.refreshing": {
        "en": "Refreshing data-quality scores and KRIs…",
        "zh": "正在刷新数据质量得分和 KRI……",
    },
    "import.done": {
        "en": "Imported {rows} rows: {inserted} new, {updated} updated. Data-quality run #{run} and the KRIs are refreshed.",
        "zh": "已导入 {rows} 行：新增 {inserted}，更新 {updated}。数据质量检查 #{run} 和 KRI 已刷新。",
    },
    "import.failed": {
        "en": "Nothing was imported: {problems} problem(s) in {rows} row(s). Fix them and import the file again.",
        "zh": "未导入任何数据：{rows} 行中有 {problems} 个问题。请修正后重新导入。",
    },
    "import.unreadable": {"en": "Nothing was imported: {why}", "zh": "未导入任何数据：{why}"},
    "import.row": {"en": "Row", "zh": "行"},
    "import.value": {"en": "Value", "zh": "值"},
    "import.reason": {"en": "Problem", "zh": "问题"},
    "import.more": {
        "en": "Only the first {shown} problems are listed.",
        "zh": "只列出前 {shown} 个问题。",
    },
    "import.problems_csv": {"en": "Download the problems", "zh": "下载问题清单"},
    "import.sheet": {"en": "Sheet to import", "zh": "要导入的工作表"},
    "import.sheet.help": {
        "en": "The workbook has data on several sheets; choose the one that holds this table.",
        "zh": "该工作簿有多个含数据的工作表；请选择包含此表的工作表。",
    },
    "import.cleared": {
        "en": "Empty cells cleared stored values: {columns}.",
        "zh": "空单元格清除了已存储的值：{columns}。",
    },
}
