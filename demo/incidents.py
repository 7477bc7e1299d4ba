"""Demo incidents, with a planted effect the incidents page's recovery table recovers.

Three incidents:
- a personal-data breach (risk R-001, all regions) whose affected customers are a random half
  of the South's SMB and Consumer customers: resolved, not yet closed; the regulator was
  notified in time and the customers late; two register actions. Planted: in the RECOVERY_MONTHS
  months after containment, exactly PLANTED_CHURN (8 percentage points) more of the affected
  customers active at containment leave than would have, and PLANTED_COMPLAINT_SHARE of them
  complain once more (+20 complaints per 100 customers); the comparable half is untouched.
- a telephony outage (R-027, North): contained a few weeks ago, North Consumer customers affected
  (by a filter), recovery not measurable yet.
- a lost laptop with a customer export (R-028, all regions): a small breach, both duties met,
  closed with lessons learned.
Deterministic: its own random generator and `as_of`; no audit rows (demo data)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import Connection, bindparam, delete, func, insert, literal, or_, select, update

from analytics.incidents import recovery_windows
from data_access.models import (
    Complaint,
    Customer,
    Incident,
    IncidentCustomer,
    IncidentEvent,
    IncidentNotification,
    Invoice,
    ResponsePlan,
    Risk,
    RiskAction,
)
from demo.vocab import DemoTexts

SEED = 1717_17
PLANTED_CHURN = 0.08
PLANTED_COMPLAINT_SHARE = 0.20
RECOVERY_MONTHS = 3
MAX_AFFECTED = 4000  # keeps a million-customer seed quick; the estimate needs far fewer

TEXTS = {
    "en": {
        "breach.title": "Customer export exposed through a misconfigured CRM share",
        "breach.desc": "A CRM report share was open to the internet; contact details and "
        "contract data of South region customers were downloaded.",
        "breach.events": (
            ("happened", "Unusual downloads of the customer report seen in the access log."),
            ("decision", "Share closed, credentials rotated; forensic review started."),
            ("informed", "Regulator notified of the breach (within 72 hours)."),
            ("informed", "Affected customers informed by letter and e-mail."),
            ("note", "Contained: no further access after the share was closed."),
        ),
        "breach.regulator": "Notified through the regulator's breach portal.",
        "breach.customers": "Letters delayed by address checks.",
        "breach.actions": (
            "Review every CRM share for public access",
            "Call the affected VIP customers",
        ),
        "outage.title": "North contact-centre telephony outage",
        "outage.desc": "Calls to the North hotline failed for most of a day.",
        "outage.events": (
            ("happened", "Hotline calls failing; the carrier reports a routing fault."),
            ("decision", "Calls diverted to the Central team."),
        ),
        "outage.actions": ("Second carrier for the North hotline",),
        "laptop.title": "Laptop with a customer export lost in transit",
        "laptop.desc": "An unencrypted laptop holding a customer export was lost.",
        "laptop.events": (
            ("happened", "Laptop reported lost by a field sales colleague."),
            ("informed", "Regulator and affected customers notified."),
            ("decision", "Disk encryption enforced on every laptop."),
        ),
        "laptop.actions": ("Enforce disk encryption on all laptops",),
        "laptop.lessons": "Exports of customer data only to encrypted devices; exports are "
        "logged and expire after 30 days.",
        "notified": "Notified as required.",
        "complaint": "My personal data was exposed in your breach.",
    },
    "zh": {
        "breach.title": "CRM 共享配置错误导致客户导出数据外泄",
        "breach.desc": "一个 CRM 报表共享对互联网开放；华南区域客户的联系方式和合同数据被下载。",
        "breach.events": (
            ("happened", "访问日志中发现客户报表的异常下载。"),
            ("decision", "关闭共享、更换凭据，启动取证审查。"),
            ("informed", "已向监管机构报告数据泄露（72 小时内）。"),
            ("informed", "已通过信函和电子邮件通知受影响客户。"),
            ("note", "已控制：关闭共享后无进一步访问。"),
        ),
        "breach.regulator": "已通过监管机构的泄露报告平台通知。",
        "breach.customers": "因地址核对，信函发送延迟。",
        "breach.actions": ("检查所有 CRM 共享的公开访问权限", "致电受影响的 VIP 客户"),
        "outage.title": "华北呼叫中心电话系统中断",
        "outage.desc": "华北热线电话大半天无法接通。",
        "outage.events": (
            ("happened", "热线电话无法接通；运营商报告路由故障。"),
            ("decision", "来电转接至华中团队。"),
        ),
        "outage.actions": ("为华北热线增加第二家运营商",),
        "laptop.title": "存有客户导出数据的笔记本电脑在运输中丢失",
        "laptop.desc": "一台存有客户导出数据且未加密的笔记本电脑丢失。",
        "laptop.events": (
            ("happened", "外勤销售同事报告笔记本电脑丢失。"),
            ("informed", "已通知监管机构和受影响客户。"),
            ("decision", "所有笔记本电脑强制启用磁盘加密。"),
        ),
        "laptop.actions": ("所有笔记本电脑强制启用磁盘加密",),
        "laptop.lessons": "客户数据只能导出到加密设备；导出均有记录，30 天后失效。",
        "notified": "已按要求通知。",
        "complaint": "你们的数据泄露暴露了我的个人信息。",
    },
}


def _risk_id(conn: Connection, code: str) -> int | None:
    return conn.execute(select(Risk.id).where(Risk.code == code)).scalar_one_or_none()


def _incident(conn: Connection, values: dict) -> int:
    """Insert an incident citing the version of its risk category's plan in force (the demo's
    plans are seeded first), as recording it in the app does."""
    plan_version = conn.execute(
        select(ResponsePlan.version)
        .join(Risk, Risk.category == ResponsePlan.category)
        .where(Risk.id == values["risk_id"])
    ).scalar_one_or_none()
    return conn.execute(
        insert(Incident).values(**values, response_plan_version=plan_version).returning(Incident.id)
    ).scalar_one()


def _events(conn: Connection, incident_id: int, start: datetime, entries: tuple) -> None:
    rows = [
        {
            "incident_id": incident_id,
            "at": start + timedelta(hours=20 * k),
            "by_user": "risk",
            "kind": kind,
            "text": text,
        }
        for k, (kind, text) in enumerate(entries)
    ]
    conn.execute(insert(IncidentEvent), rows)


def _actions(
    conn: Connection, risk_id: int, incident_id: int, titles: tuple, start: datetime, done: int
) -> None:
    rows = [
        {
            "risk_id": risk_id,
            "incident_id": incident_id,
            "title": title,
            "owner": "risk",
            "due_date": (start + timedelta(days=30 + 14 * k)).date(),
            "status": "done" if k < done else "open",
            "created_at": start + timedelta(days=1),
            "completed_at": start + timedelta(days=20 + 14 * k) if k < done else None,
        }
        for k, title in enumerate(titles)
    ]
    conn.execute(insert(RiskAction), rows)


def seed_incidents(conn: Connection, as_of: date, texts: DemoTexts, counts: dict[str, int]) -> None:
    """Insert the demo incidents in `conn`'s transaction (after the customers, their activity
    and the register); `counts` (rows per table) gains the incidents' rows, the complaints
    added and loses the invoices removed."""
    words = TEXTS[texts.language]
    rng = np.random.default_rng(SEED)
    start_of_day = datetime.combine(as_of, time(9))
    counts.update(incidents=0, incident_customers=0)
    breach_risk = _risk_id(conn, "R-001")
    if breach_risk is not None:
        affected, complaints, removed = _breach(conn, rng, breach_risk, start_of_day, words)
        counts["incident_customers"] += affected
        counts["complaints"] = counts.get("complaints", 0) + complaints
        counts["invoices"] = counts.get("invoices", 0) - removed
        counts["incidents"] += 1
    outage_risk = _risk_id(conn, "R-027")
    if outage_risk is not None:
        counts["incident_customers"] += _outage(conn, outage_risk, start_of_day, words)
        counts["incidents"] += 1
    laptop_risk = _risk_id(conn, "R-028")
    if laptop_risk is not None:
        counts["incident_customers"] += _laptop(conn, rng, laptop_risk, start_of_day, words)
        counts["incidents"] += 1


def _breach(
    conn: Connection, rng: np.random.Generator, risk_id: int, now: datetime, words: dict
) -> tuple[int, int, int]:
    started = now - timedelta(days=240)
    detected = started + timedelta(days=2, hours=3)
    contained = started + timedelta(days=9)
    resolved = started + timedelta(days=40)
    windows = recovery_windows(started, contained, RECOVERY_MONTHS)
    iid = _incident(
        conn,
        {
            "risk_id": risk_id,
            "title": words["breach.title"],
            "description": words["breach.desc"],
            "severity": "critical",
            "is_data_breach": True,
            "status": "resolved",
            "region": None,
            "started_at": started,
            "detected_at": detected,
            "contained_at": contained,
            "resolved_at": resolved,
            "created_by": "risk",
            "created_at": detected,
            "updated_at": resolved,
            "version": 6,
        },
    )
    _events(conn, iid, detected, words["breach.events"])
    conn.execute(
        insert(IncidentNotification),
        [
            {
                "incident_id": iid,
                "party": "regulator",
                "deadline": detected + timedelta(hours=72),
                "met_at": detected + timedelta(hours=60),  # met
                "note": words["breach.regulator"],
            },
            {
                "incident_id": iid,
                "party": "customers",
                "deadline": detected + timedelta(hours=72),
                "met_at": detected + timedelta(hours=100),  # met 28 hours late
                "note": words["breach.customers"],
            },
        ],
    )
    _actions(conn, risk_id, iid, words["breach.actions"], detected, done=1)
    # The affected: a random half of the South's SMB and Consumer customers active when the
    # window before the incident opens (chosen without looking ahead, like the comparison).
    pool = np.array(
        conn.execute(
            select(Customer.id)
            .where(
                Customer.region == "South",
                Customer.segment.in_(("SMB", "Consumer")),
                Customer.signup_date < windows.before_start,
                or_(Customer.churn_date.is_(None), Customer.churn_date >= windows.before_start),
            )
            .order_by(Customer.id)
        )
        .scalars()
        .all()
    )
    if len(pool) == 0:
        return 0, 0, 0
    affected = np.sort(rng.choice(pool, size=min(len(pool) // 2, MAX_AFFECTED), replace=False))
    conn.execute(
        insert(IncidentCustomer),
        [
            {"incident_id": iid, "customer_id": int(c), "source": "import", "added_at": detected}
            for c in affected
        ],
    )
    complaints, removed = _plant(conn, rng, affected, windows, words)
    return len(affected), complaints, removed


def _plant(
    conn: Connection, rng: np.random.Generator, affected: np.ndarray, windows, words: dict
) -> tuple[int, int]:  # noqa: ANN001
    """Exactly PLANTED_CHURN of the affected customers active at containment leave in the
    window after it (chosen among those who would have stayed), and PLANTED_COMPLAINT_SHARE
    complain once more in it. A leaver's invoices after the month they left are removed.
    Returns (complaints added, invoices removed)."""
    rows = conn.execute(
        select(Customer.id, Customer.churn_date).where(
            Customer.id.in_([int(c) for c in affected]),
            Customer.signup_date < windows.after_start,
        )
    ).all()
    active = [r for r in rows if r.churn_date is None or r.churn_date >= windows.after_start]
    stayers = [r.id for r in active if r.churn_date is None or r.churn_date >= windows.after_end]
    extra = min(len(stayers), round(PLANTED_CHURN * len(active)))
    span = (windows.after_end - windows.after_start).days
    leavers = rng.choice(np.array(stayers), size=extra, replace=False) if extra else []
    days = rng.integers(0, span, len(leavers))
    params = [
        {"cid": int(c), "day": windows.after_start + timedelta(days=int(d))}
        for c, d in zip(leavers, days, strict=True)
    ]
    if params:
        table = Customer.__table__
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("cid"))
            .values(churn_date=bindparam("day"), churn_reason="service"),
            params,
        )
        removed = _drop_invoices_after(conn, {p["cid"]: p["day"] for p in params})
    else:
        removed = 0
    ids = np.array([r.id for r in active])
    complainers = ids[rng.random(len(ids)) < PLANTED_COMPLAINT_SHARE] if len(ids) else ids
    opened = [
        datetime.combine(windows.after_start, time(10)) + timedelta(days=int(d), hours=int(h))
        for d, h in zip(
            rng.integers(0, max(1, span - 40), len(complainers)),
            rng.integers(0, 8, len(complainers)),
            strict=True,
        )
    ]
    if len(complainers):
        conn.execute(
            insert(Complaint),
            [
                {
                    "customer_id": int(c),
                    "category": "privacy",
                    "severity": "high",
                    "channel": "email",
                    "opened_at": at,
                    "first_response_at": at + timedelta(hours=4),
                    "resolved_at": at + timedelta(hours=30),
                    "sla_hours": 48,
                    "first_response_due_at": at + timedelta(hours=8),
                    "resolution_due_at": at + timedelta(hours=48),
                    "escalated": False,
                    "description": words["complaint"],
                    "stage": "closed",
                    "stage_since": at + timedelta(days=3),
                    "owner": "Li Na",
                    "mediation": False,
                    "version": 1,
                    "closed_at": at + timedelta(days=3),
                    "feedback": "no_answer",
                }
                for c, at in zip(complainers, opened, strict=True)
            ],
        )
    return len(complainers), removed


def _drop_invoices_after(conn: Connection, left_on: dict[int, date]) -> int:
    """Delete the leavers' invoices of months after they left, then move the highest-id
    invoices into the freed ids, so invoice ids stay 1…n (the seed's other rows keep theirs;
    nothing refers to an invoice id). Returns how many were removed."""
    table = Invoice.__table__
    customers = sorted(left_on)
    gone: list[int] = []
    for i in range(0, len(customers), 500):
        rows = conn.execute(
            select(table.c.id, table.c.customer_id, table.c.period_month).where(
                table.c.customer_id.in_(customers[i : i + 500])
            )
        ).all()
        gone += [r.id for r in rows if r.period_month > left_on[r.customer_id]]
    if not gone:
        return 0
    total = conn.execute(select(func.max(table.c.id))).scalar_one()
    for i in range(0, len(gone), 500):
        conn.execute(delete(table).where(table.c.id.in_(gone[i : i + 500])))
    keep = total - len(gone)
    gone_set = set(gone)
    holes = sorted(g for g in gone if g <= keep)
    movers = [i for i in range(keep + 1, total + 1) if i not in gone_set]
    if holes:
        conn.execute(
            update(table).where(table.c.id == bindparam("old")).values(id=bindparam("new")),
            [{"old": o, "new": n} for o, n in zip(movers, holes, strict=True)],
        )
    return len(gone)


def _outage(conn: Connection, risk_id: int, now: datetime, words: dict) -> int:
    started = now - timedelta(days=20, hours=2)
    iid = _incident(
        conn,
        {
            "risk_id": risk_id,
            "title": words["outage.title"],
            "description": words["outage.desc"],
            "severity": "high",
            "is_data_breach": False,
            "status": "contained",
            "region": "North",
            "started_at": started,
            "detected_at": started + timedelta(minutes=40),
            "contained_at": started + timedelta(hours=9),
            "created_by": "risk",
            "created_at": started + timedelta(hours=1),
            "updated_at": started + timedelta(hours=9),
            "version": 3,
        },
    )
    _events(conn, iid, started + timedelta(minutes=40), words["outage.events"])
    _actions(conn, risk_id, iid, words["outage.actions"], started, done=0)
    source = json.dumps({"region": ["North"], "segment": ["Consumer"], "tier": []}, sort_keys=True)
    added = conn.execute(
        insert(IncidentCustomer).from_select(
            ["incident_id", "customer_id", "source", "added_at"],
            select(
                literal(iid, Incident.id.type),
                Customer.id,
                literal(source, IncidentCustomer.source.type),
                literal(started + timedelta(hours=2), Incident.created_at.type),
            ).where(
                Customer.region == "North",
                Customer.segment == "Consumer",
                or_(Customer.churn_date.is_(None), Customer.churn_date >= started.date()),
            ),
        )
    ).rowcount
    return int(added)


def _laptop(
    conn: Connection, rng: np.random.Generator, risk_id: int, now: datetime, words: dict
) -> int:
    started = now - timedelta(days=330)
    detected = started + timedelta(hours=5)
    iid = _incident(
        conn,
        {
            "risk_id": risk_id,
            "title": words["laptop.title"],
            "description": words["laptop.desc"],
            "severity": "medium",
            "is_data_breach": True,
            "status": "closed",
            "region": None,
            "started_at": started,
            "detected_at": detected,
            "contained_at": detected + timedelta(hours=2),
            "resolved_at": detected + timedelta(days=10),
            "closed_at": detected + timedelta(days=45),
            "lessons_learned": words["laptop.lessons"],
            "created_by": "risk",
            "created_at": detected,
            "updated_at": detected + timedelta(days=45),
            "version": 8,
        },
    )
    _events(conn, iid, detected, words["laptop.events"])
    conn.execute(
        insert(IncidentNotification),
        [
            {
                "incident_id": iid,
                "party": party,
                "deadline": detected + timedelta(hours=72),
                "met_at": detected + timedelta(hours=30 + 10 * k),
                "note": words["notified"],
            }
            for k, party in enumerate(("regulator", "customers"))
        ],
    )
    _actions(conn, risk_id, iid, words["laptop.actions"], detected, done=1)
    pool = (
        conn.execute(
            select(Customer.id)
            .where(Customer.signup_date < started.date())
            .order_by(Customer.id)
            .limit(400)
        )
        .scalars()
        .all()
    )
    chosen = sorted(rng.choice(np.array(pool), size=min(12, len(pool)), replace=False))
    if chosen:
        conn.execute(
            insert(IncidentCustomer),
            [
                {"incident_id": iid, "customer_id": c, "source": "import", "added_at": detected}
                for c in map(int, chosen)
            ],
        )
    return len(chosen)
