"""Controlled vocabularies shared by the seed, the importer, the queries and the UI."""

REGIONS = ("North", "South", "East", "West", "Central")
SEGMENTS = ("Enterprise", "SMB", "Consumer")
TIERS = ("normal", "important", "VIP")
CHANNELS = ("Direct", "Partner", "Online", "Branch")
LIFECYCLE_STAGES = ("acquisition", "maintenance", "win-back")
SOURCE_SYSTEMS = ("CRM", "ERP", "billing", "support")
INDUSTRIES = ("Retail", "Banking", "Manufacturing", "Telecom", "Healthcare", "Logistics")
CONTRACT_TYPES = ("monthly", "annual", "multi-year")
CHURN_REASONS = ("price", "service", "competitor", "product_fit", "relocation", "other")
TOUCHPOINTS = ("onboarding", "support", "billing", "renewal", "product")
COMPLAINT_CATEGORIES = ("billing", "service", "product", "delivery", "privacy", "staff")
SEVERITIES = ("low", "medium", "high", "critical")
INVOICE_STATUSES = ("paid", "open", "overdue", "written_off")

# Risk taxonomy (DOMAIN.md §1)
RISK_CATEGORIES = {
    "SEC": "Data security / breach",
    "AVL": "System failure",
    "ACC": "Inaccurate customer data",
    "SIL": "Data silos",
    "LEG": "Legal and regulatory compliance",
    "PRV": "Privacy",
    "SAT": "Satisfaction decline",
    "CHN": "Customer churn",
    "CRD": "Credit",
    "CMP": "Complaints and service quality",
    "CON": "Contract management",
    "MKT": "Marketing and communication",
    "TEC": "Technology update and maintenance",
    "ANL": "Analysis error",
}
RISK_STATUSES = ("Identified", "Assessed", "Treating", "Monitoring", "Materialised", "Closed")
OPEN_RISK_STATUSES = tuple(s for s in RISK_STATUSES if s != "Closed")
TREATMENTS = ("Avoid", "Mitigate", "Transfer", "Accept")
RISK_LEVELS = ("Low", "Medium", "High", "Critical")

DQ_DIMENSIONS = ("completeness", "validity", "uniqueness", "timeliness", "consistency", "accuracy")

ROLES = ("executive", "risk_manager", "analyst", "admin")
