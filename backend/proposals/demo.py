"""Demo proposals: the city's topics, proposals in several states with support and
opposition from the demo residents, threaded discussions and official answers, all made by
the same services as real ones and then dated into the past.

Called by :func:`backend.demo.load_demo` once the users (and the demo cases) exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.comments import service as comments
from backend.db import utcnow
from backend.proposals import service, topics
from backend.proposals.models import Proposal

TOPICS = [
    ("green", "Green spaces", "绿地与公园"),
    ("cycling", "Walking and cycling", "步行与骑行"),
    ("transit", "Public transport", "公共交通"),
    ("safety", "Safer streets", "街道安全"),
    ("community", "Community life", "社区生活"),
]

ANSWERED_BY = "staff@cityloop.example"

# author, topic, title, body, days ago, (supporters, opponents), what happens next, threads.
# Each thread is a comment and its replies, as (who, text); people are picked by e-mail.
PROPOSALS = [
    {
        "author": "resident3@cityloop.example",
        "topic": "green",
        "title": "Shade trees along Fuzhou Road · 福州路种植遮阴树",
        "body": "The pavement on Fuzhou Road has no shade at all in summer. Plane trees "
        "every 15 metres would make the walk to the metro bearable.\n\n"
        "福州路人行道夏天完全没有遮阴。每隔15米种一棵梧桐树，去地铁站的路会舒服很多。",
        "days": 12,
        "votes": (5, 1),
        "threads": [
            [
                ("resident4@cityloop.example", "Yes please, the bus stop there is an oven."),
                ("resident3@cityloop.example", "Exactly. The trees would shade the stop too."),
                ("resident5@cityloop.example", "同意，夏天等车太热了。"),
            ],
            [("resident6@cityloop.example", "Would the roots damage the pipes under it?")],
        ],
    },
    {
        "author": "resident4@cityloop.example",
        "topic": "cycling",
        "title": "A protected cycle lane on Middle Xizang Road · 西藏中路设隔离自行车道",
        "body": "Cyclists share the lane with buses on Middle Xizang Road. A kerb-separated "
        "lane from Yan'an Road to Nanjing Road would make it safe for school children.\n\n"
        "西藏中路骑车人与公交车混行。从延安路到南京路修一条有路缘隔离的自行车道，孩子上学更安全。",
        "days": 20,
        "votes": (6, 1),
        "review_at": 5,  # supports that bring it to the city's review in the demo
        "threads": [
            [
                ("resident2@cityloop.example", "我每天骑车经过，非常需要。"),
                ("resident4@cityloop.example", "谢谢！Please support it so the city answers."),
            ],
        ],
    },
    {
        "author": "resident2@cityloop.example",
        "topic": "transit",
        "title": "A night bus from People's Square to the east · 人民广场往东开通夜班车",
        "body": "After 23:00 there is no way home to the east side but a taxi. One night "
        "bus an hour until 2:00 would do.\n\n"
        "晚上11点以后往东只能打车。凌晨2点前每小时一班夜班车就够了。",
        "days": 30,
        "votes": (6, 0),
        "answer": (
            "accepted",
            "Thank you. A night line (N12) will run hourly from 23:30 to 02:30 from next "
            "month, on a six-month trial. 谢谢您的建议，N12夜班线下月起试运行六个月。",
        ),
        "threads": [
            [
                ("resident5@cityloop.example", "Does it stop near the hospital?"),
                ("staff@cityloop.example", "Yes: the trial route stops at Ruijin Hospital."),
                ("resident5@cityloop.example", "太好了，谢谢！"),
            ],
        ],
    },
    {
        "author": "resident@cityloop.example",
        "topic": "safety",
        "title": "Longer green light at the Fuzhou Road crossing · 延长福州路路口行人绿灯",
        "body": "The pedestrian green at Fuzhou Road and Middle Yunnan Road lasts 15 seconds; "
        "older people cannot cross in time.\n\n"
        "福州路云南中路路口行人绿灯只有15秒，老人来不及过马路。",
        "days": 6,
        "votes": (4, 2),
        "threads": [
            [
                ("resident6@cityloop.example", "Cars already queue there at rush hour."),
                ("resident@cityloop.example", "A few more seconds would not add much."),
                ("resident3@cityloop.example", "行人安全更重要。"),
            ],
        ],
    },
    {
        "author": "resident5@cityloop.example",
        "topic": "community",
        "title": "Close Jiujiang Road to cars on Sundays · 九江路周日禁行机动车",
        "body": "Make Jiujiang Road a street for people on Sundays: markets, music, "
        "children playing.\n\n九江路周日改为步行街：集市、音乐、孩子玩耍。",
        "days": 40,
        "votes": (2, 4),
        "answer": (
            "rejected",
            "Jiujiang Road is the only delivery access for the shops on it, so it cannot "
            "close for whole days; a car-free afternoon once a month is being studied. "
            "九江路是沿街商铺唯一的送货通道，无法整日封闭。",
        ),
        "threads": [],
    },
    {
        "author": "resident6@cityloop.example",
        "topic": "community",
        "title": "A monthly repair café at the community centre · 社区中心每月维修咖啡馆",
        "body": "Volunteers fix lamps, bikes and clothes once a month instead of throwing "
        "them away.\n\n志愿者每月一次帮大家修理台灯、自行车和衣服，减少浪费。",
        "days": 2,
        "votes": (2, 0),
        "threads": [],
    },
]


def load_demo_proposals(session: Session, now: datetime | None = None) -> str:
    """Idempotent: does nothing when there are proposals already."""
    if session.scalar(select(Proposal.id).limit(1)) is not None:
        return "Demo proposals are already loaded."
    now = now or utcnow()
    people = {u.email: u for u in session.scalars(select(User))}
    admin = next(u for u in people.values() if u.role == "admin")
    for position, (code, name, name_zh) in enumerate(TOPICS):
        topics.create_topic(
            session,
            admin,
            {"code": code, "name": name, "names": {"zh-CN": name_zh}, "position": position},
        )
    residents = sorted((u for u in people.values() if u.role == "resident"), key=lambda u: u.id)
    for spec in PROPOSALS:
        _propose(session, spec, people, residents, now)
    return f"Loaded {len(TOPICS)} proposal topics and {len(PROPOSALS)} demo proposals."


def _propose(session: Session, spec: dict, people: dict, residents: list, now) -> None:
    author = people[spec["author"]]
    data = {"title": spec["title"], "body": spec["body"], "topic": spec["topic"]}
    proposal = service.create_proposal(session, author, data)
    voters = [r for r in residents if r.id != author.id]
    supporters, opponents = spec["votes"]
    threshold = spec.get("review_at", 10_000)
    for person in voters[:supporters]:
        service.vote(session, proposal.id, person, "support", threshold=threshold)
    for person in voters[supporters : supporters + opponents]:
        service.vote(session, proposal.id, person, "oppose", threshold=threshold)
    created = now - timedelta(days=spec["days"])
    moment = created
    for thread in spec["threads"]:
        parent_id = None
        for who, text in thread:
            comment = comments.add_comment(
                session, "proposal", proposal.id, people[who], body=text, parent_id=parent_id
            )
            parent_id = parent_id or comment.id
            moment = min(moment + timedelta(hours=7), now - timedelta(hours=1))
            comment.created_at = moment
    if "answer" in spec:
        decision, body = spec["answer"]
        service.answer_proposal(
            session, proposal.id, people[ANSWERED_BY], decision=decision, body=body
        )
    _date(session, proposal, created, now)


def _date(session: Session, proposal: Proposal, created: datetime, now: datetime) -> None:
    """Move the proposal's moments into the past, in the order they happened."""
    session.refresh(proposal)
    proposal.created_at = proposal.published_at = created
    if proposal.first_support_at is not None:
        proposal.first_support_at = created + timedelta(hours=3)
    if proposal.review_started_at is not None:
        proposal.review_started_at = created + timedelta(days=4)
    if proposal.answered_at is not None:
        proposal.answered_at = min(created + timedelta(days=9), now - timedelta(hours=2))
    session.flush()
