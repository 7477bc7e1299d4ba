"""code_values: the organisation's code lists (regions, segments, tiers, channels, industries,
lifecycle stages, source systems, contract types, churn reasons, touchpoints, complaint
categories), edited by an administrator; filled with the codes the app used to hard-code, so
existing installs, the demo and an empty install start from the same lists. The default
data-quality "valid value" rules that still list exactly those codes now follow the list.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:00:00

"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (code, English label, Chinese label) per list, as the app shipped them. Frozen here on
# purpose: a migration must insert the same rows whatever the code looks like later.
DEFAULTS: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "region": (
        ("North", "North", "华北"),
        ("South", "South", "华南"),
        ("East", "East", "华东"),
        ("West", "West", "华西"),
        ("Central", "Central", "华中"),
    ),
    "segment": (
        ("Enterprise", "Enterprise", "大型企业"),
        ("SMB", "SMB", "中小企业"),
        ("Consumer", "Consumer", "个人客户"),
    ),
    "tier": (
        ("normal", "Normal", "普通"),
        ("important", "Important", "重要"),
        ("VIP", "VIP", "VIP"),
    ),
    "channel": (
        ("Direct", "Direct", "直销"),
        ("Partner", "Partner", "合作伙伴"),
        ("Online", "Online", "线上"),
        ("Branch", "Branch", "网点"),
    ),
    "industry": (
        ("Retail", "Retail", "零售"),
        ("Banking", "Banking", "银行"),
        ("Manufacturing", "Manufacturing", "制造"),
        ("Telecom", "Telecom", "电信"),
        ("Healthcare", "Healthcare", "医疗"),
        ("Logistics", "Logistics", "物流"),
    ),
    "lifecycle_stage": (
        ("acquisition", "Acquisition", "获客"),
        ("maintenance", "Maintenance", "维系"),
        ("win-back", "Win-back", "挽回"),
    ),
    "source_system": (
        ("CRM", "CRM", None),
        ("ERP", "ERP", None),
        ("billing", "Billing", "账单系统"),
        ("support", "Support", "客服系统"),
    ),
    "contract_type": (
        ("monthly", "Monthly", "按月"),
        ("annual", "Annual", "年度"),
        ("multi-year", "Multi-year", "多年"),
    ),
    "churn_reason": (
        ("price", "Price", "价格"),
        ("service", "Service", "服务"),
        ("competitor", "Competitor", "竞争对手"),
        ("product_fit", "Product fit", "产品不匹配"),
        ("relocation", "Relocation", "迁移"),
        ("other", "Other", "其他"),
    ),
    "touchpoint": (
        ("onboarding", "Onboarding", "开户引导"),
        ("support", "Support", "客户支持"),
        ("billing", "Billing", "账单"),
        ("renewal", "Renewal", "续约"),
        ("product", "Product", "产品"),
    ),
    "complaint_category": (
        ("billing", "Billing", "账单"),
        ("service", "Service", "服务"),
        ("product", "Product", "产品"),
        ("delivery", "Delivery", "交付"),
        ("privacy", "Privacy", "隐私"),
        ("staff", "Staff", "员工"),
    ),
}

# Default valid-value rules and the list they check.
RULE_LISTS = {
    "CUS_REGION_VALID": "region",
    "CUS_SEGMENT_VALID": "segment",
    "CUS_TIER_VALID": "tier",
    "CUS_CHANNEL_VALID": "channel",
    "CUS_INDUSTRY_VALID": "industry",
    "CUS_LIFECYCLE_VALID": "lifecycle_stage",
    "CUS_CONTRACT_VALID": "contract_type",
    "CUS_SOURCE_VALID": "source_system",
    "CUS_CHURN_REASON_VALID": "churn_reason",
    "SUR_TOUCHPOINT_VALID": "touchpoint",
    "CMP_CATEGORY_VALID": "complaint_category",
    "SRC_SOURCE_VALID": "source_system",
}


def upgrade() -> None:
    code_values = op.create_table(
        "code_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_en", sa.String(length=120), nullable=False),
        sa.Column("label_zh", sa.String(length=120), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_name", "code", name="uq_code_values_code"),
    )
    op.bulk_insert(
        code_values,
        [
            {
                "list_name": name,
                "code": code,
                "label_en": en,
                "label_zh": zh,
                "sort_order": (i + 1) * 10,  # gaps leave room to move a code between two
                "active": True,
                "version": 1,
            }
            for name, values in DEFAULTS.items()
            for i, (code, en, zh) in enumerate(values)
        ],
    )
    _rules_follow_lists(to_lists=True)


def downgrade() -> None:
    _rules_follow_lists(to_lists=False)
    op.drop_table("code_values")


def _rules_follow_lists(to_lists: bool) -> None:
    """Default rules still listing exactly the shipped codes check the list instead (and
    back on downgrade); a rule someone edited keeps its own values."""
    rules = sa.table(
        "dq_rules", sa.column("id", sa.Integer), sa.column("code"), sa.column("params")
    )
    conn = op.get_bind()
    stored = conn.execute(
        sa.select(rules.c.id, rules.c.code, rules.c.params).where(
            rules.c.code.in_(list(RULE_LISTS))
        )
    ).all()
    for rule_id, code, params in stored:
        name = RULE_LISTS[code]
        as_values = {"values": [c for c, _, _ in DEFAULTS[name]]}
        as_list = {"code_list": name}
        try:
            current = json.loads(params or "{}")
        except ValueError:
            continue
        if current != (as_values if to_lists else as_list):
            continue
        new = as_list if to_lists else as_values
        conn.execute(sa.update(rules).where(rules.c.id == rule_id).values(params=json.dumps(new)))
