"""Demo cases around People's Square: every status, real histories (made by the same
services as real cases, with past times), some overdue and escalated, some with photos.

Called by :func:`backend.demo.load_demo` once the departments, categories and users exist.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.cases import cohandling, engagement, service, sla
from backend.cases.broadcast import quietly
from backend.cases.effects import Policy
from backend.cases.models import Case, Status
from backend.db import utcnow
from backend.departments.models import Category
from backend.media.storage import media_storage
from backend.media.uploads import process_photos

COUNT = 240
PHOTO_EVERY = 12  # one case in this many has a photo

STREETS = [
    ("南京东路", "East Nanjing Rd"),
    ("人民大道", "People's Ave"),
    ("西藏中路", "Middle Xizang Rd"),
    ("福州路", "Fuzhou Rd"),
    ("九江路", "Jiujiang Rd"),
    ("汉口路", "Hankou Rd"),
    ("黄河路", "Huanghe Rd"),
    ("北京东路", "East Beijing Rd"),
    ("延安东路", "East Yan'an Rd"),
    ("淮海中路", "Middle Huaihai Rd"),
    ("南京西路", "West Nanjing Rd"),
    ("威海路", "Weihai Rd"),
    ("成都北路", "North Chengdu Rd"),
    ("浙江中路", "Middle Zhejiang Rd"),
    ("云南中路", "Middle Yunnan Rd"),
    ("凤阳路", "Fengyang Rd"),
]

# category code -> (English, Chinese) descriptions
TEXTS = {
    "pothole": [
        ("Deep pothole in the right lane, cyclists swerve.", "右侧车道有深坑，骑车人绕行。")
    ],
    "pavement": [("Loose paving stones near the crossing.", "人行横道旁地砖松动。")],
    "streetlight": [("Street light has been out for three nights.", "路灯已经三晚不亮了。")],
    "light-damage": [("Lamp post leaning after a truck hit it.", "灯杆被卡车撞歪了。")],
    "litter": [("Litter all over the square after the weekend.", "周末过后广场上到处是垃圾。")],
    "bin": [("Bin overflowing, bags piled beside it.", "垃圾桶满溢，旁边堆满袋子。")],
    "dumping": [("Old mattress and furniture dumped on the kerb.", "路边被倾倒了旧床垫和家具。")],
    "graffiti": [("Graffiti on the metro entrance wall.", "地铁入口墙上有涂鸦。")],
    "fallen-tree": [("Large branch down across the footpath.", "大树枝倒在人行道上。")],
    "park": [("Broken bench slats in the park.", "公园长椅木条断了。")],
    "drain": [("Blocked drain, water pools after rain.", "下水道堵塞，雨后积水。")],
    "water-leak": [("Water bubbling up between the paving stones.", "地砖缝里往外冒水。")],
    "signal": [("Pedestrian signal stuck on red.", "行人信号灯一直是红灯。")],
    "road-sign": [("Road sign turned the wrong way.", "路牌被转到了错误方向。")],
    "vehicle": [
        ("Abandoned scooter chained to the railing for weeks.", "废弃电动车锁在栏杆上好几周了。")
    ],
    "noise": [("Construction noise after 10 pm.", "晚上十点以后还有施工噪音。")],
    "building": [("Tiles falling from the facade.", "外墙瓷砖脱落。")],
}
ANSWERS = {"size": "medium", "blocking": "yes"}

# How far each demo case goes, and how often.
TARGETS = [
    (Status.SUBMITTED, 14),
    (Status.ACCEPTED, 8),
    (Status.ASSIGNED, 14),
    (Status.IN_PROGRESS, 14),
    (Status.RESOLVED, 10),
    (Status.CLOSED, 28),
    (Status.REJECTED, 6),
    (Status.MERGED, 3),
]
PATHS = {
    Status.SUBMITTED: [],
    Status.ACCEPTED: ["accept"],
    Status.ASSIGNED: ["accept", "assign"],
    Status.IN_PROGRESS: ["accept", "assign", "start"],
    Status.RESOLVED: ["accept", "assign", "start", "resolve"],
    Status.CLOSED: ["accept", "assign", "start", "resolve", "confirm"],
    Status.REJECTED: ["reject"],
    Status.MERGED: ["merge"],
}
# Open work is recent (some of it overdue); resolved cases close themselves after a week.
RECENT_DAYS = {
    Status.SUBMITTED: 3,
    Status.ACCEPTED: 3,
    Status.ASSIGNED: 6,
    Status.IN_PROGRESS: 6,
    Status.RESOLVED: 6,
}
NOTES = {
    "resolve": "Repaired by the crew this morning. 已于今晨修复。",
    "reject": "Private property: passed to the management office. 属私人物业，已转物业处理。",
}


def load_demo_cases(session: Session, *, count: int = COUNT, now: datetime | None = None) -> str:
    """Idempotent: does nothing when there are cases already."""
    if session.scalar(select(Case.id).limit(1)) is not None:
        return "Demo cases are already loaded."
    with quietly(session):  # history, not news: no live events or notifications
        return _load(session, count, now or utcnow())


def _load(session: Session, count: int, now: datetime) -> str:
    rng = random.Random(311)
    people = _people(session)
    takes_reports = Category.active.is_(True) & Category.notice_stops.is_(False)
    categories = list(session.scalars(select(Category).where(takes_reports)))
    photos = _photos(rng)
    storage = media_storage(current_app.config["DATA_DIR"])
    filed: list[Case] = []
    for index in range(count):
        status = rng.choices([t for t, _ in TARGETS], weights=[w for _, w in TARGETS])[0]
        original = _mergeable(filed, now) if status == Status.MERGED else None
        if original is not None:  # a duplicate: same problem, same place, a bit later
            category, near = original.category, (original.lat, original.lon)
            created = original.updated_at + timedelta(hours=rng.uniform(1, 24))
        else:
            status = Status.SUBMITTED if status == Status.MERGED else status
            category, near = rng.choice(categories), None
            created = now - timedelta(hours=rng.uniform(2, 24 * RECENT_DAYS.get(status, 40)))
        images = [photos[index % len(photos)]] if index % PHOTO_EVERY == 0 else []
        case = _file(session, rng, created, category, people, images, storage, near)
        _walk(session, rng, case, status, people, now, original)
        filed.append(case)
    _support(session, rng, filed, people)
    result = sla.sweep(session, now, policy=Policy())
    return f"Loaded {count} demo cases ({len(result.escalated)} escalated as overdue)."


def _people(session: Session) -> dict[str, list[User]]:
    """The demo users by role, plus a few more residents to report and support."""
    residents = [
        auth_service.create_user(
            session,
            email=f"resident{n}@cityloop.example",
            password="cityloop-demo-2026",
            display_name=name,
            role="resident",
        )
        for n, name in enumerate(["张伟", "Li Na", "Chen Jie", "Wang Fang", "Marie Dupont"], 2)
    ]
    by_role: dict[str, list[User]] = {}
    for person in session.scalars(select(User).order_by(User.id)):
        by_role.setdefault(person.role, []).append(person)
    assert residents[0] in by_role["resident"]
    return by_role


def _photos(rng: random.Random) -> list:
    """A few street-like pictures, processed once and reused."""
    pictures = []
    for hue in range(4):
        image = Image.new("RGB", (960, 720), (120 + 30 * hue, 120, 110))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 430, 960, 720), fill=(70, 70, 75))  # road
        draw.ellipse((380 + 20 * hue, 520, 600, 610), fill=(35, 30, 30))  # the hole
        for x in range(0, 960, 120):
            draw.rectangle((x, 560, x + 60, 572), fill=(230, 230, 220))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        pictures.append(buffer.getvalue())
    rng.shuffle(pictures)
    return process_photos(pictures)


def _file(session, rng, created, category, people, images, storage, near=None) -> Case:
    street, street_en = rng.choice(STREETS)
    number = rng.randrange(1, 600)
    english, chinese = rng.choice(TEXTS.get(category.code, [("Needs attention.", "需要处理。")]))
    questions = {q["code"] for q in category.attributes}
    lat, lon = near or (31.2304 + rng.uniform(-0.018, 0.018), 121.4737 + rng.uniform(-0.021, 0.021))
    data = {
        "category": category.code,
        "lat": lat + rng.uniform(-0.0002, 0.0002),
        "lon": lon + rng.uniform(-0.0002, 0.0002),
        "description": f"{english}\n{chinese}",
        "address": f"{street}{number}号 ({number} {street_en})",
        "anonymous": rng.random() < 0.15,
        "priority": "urgent" if rng.random() < 0.03 else "normal",
        "answers": {code: value for code, value in ANSWERS.items() if code in questions},
    }
    reporter = rng.choice(people["resident"])
    return service.create_case(
        session, reporter, data, images=images, storage=storage, now=created, source="demo"
    )


def _staff_of(people, case: Case) -> list[User]:
    return [p for p in people.get("staff", []) if case.department_id in p.department_ids]


def _handler(people, case: Case) -> User:
    """Who acts on the case: its assignee, else the department's first member."""
    if case.assignee is not None:
        return case.assignee
    staff = _staff_of(people, case)
    return staff[0] if staff else people["admin"][0]


def _assignee(people, case: Case) -> int | None:
    """Assignments spread over the department's people, some to the whole department (the
    id picks, not the random stream, so the demo's other figures stay as they were)."""
    choices = [None, *(p.id for p in _staff_of(people, case))]
    return choices[case.id % len(choices)]


def _walk(session, rng, case: Case, status: str, people, now, original=None) -> None:
    """Take the case to ``status`` through real transitions, a few hours apart."""
    moment = case.created_at
    for action in PATHS[status]:
        if case.status != Status.SUBMITTED and action in ("accept", "reject", "merge"):
            continue  # urgent cases were accepted and assigned at once
        if case.status == Status.ASSIGNED and action == "assign":
            continue
        later = min(moment + timedelta(hours=rng.uniform(0.5, 30)), now - timedelta(minutes=5))
        moment = max(moment, later)
        data = {"action": action, "note": NOTES.get(action), "reason": NOTES.get(action)}
        actor = case.reporter if action == "confirm" else _handler(people, case)
        if action == "merge":
            data["merge_into"] = original.id
        if action == "assign":
            data["assignee"] = _assignee(people, case)
        if action == "resolve" and rng.random() < 0.2 and case.department is not None:
            other = "water" if case.department.code != "water" else "roads"
            cohandling.request_task(
                session, case, actor, other, "Please check your side.", now=moment
            )
            data.update(override_open_tasks=True, reason="Done on our side; see the task.")
        service.transition(session, case, actor, data, now=moment, policy=Policy(reopen_days=365))


def _mergeable(filed: list[Case], now: datetime) -> Case | None:
    """An open case, quiet for two days, that a duplicate could be merged into."""
    for case in reversed(filed):
        quiet = case.updated_at < now - timedelta(days=2)
        if quiet and case.status in (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED):
            return case
    return None


def _support(session, rng, cases: list[Case], people) -> None:
    residents = people["resident"]
    for case in rng.sample(cases, k=min(40, len(cases))):
        for person in rng.sample(residents, k=rng.randrange(1, len(residents))):
            if case.status in ("submitted", "accepted", "assigned", "in_progress") and (
                person.id != case.reporter_id
            ):
                engagement.support(session, case, person)
