"""A believable demo city, loaded by `flask --app wsgi demo` (and on the first run)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth import service as auth_service
from backend.auth.permissions import OPERATOR
from backend.departments import service as department_service
from backend.departments.models import Department

DEMO_PASSWORD = "cityloop-demo-2026"
CENTRE = (31.2304, 121.4737)  # People's Square, Shanghai

DEPARTMENTS = [
    ("roads", "Roads and Pavements", "道路与人行道", "roads@city.example"),
    ("lighting", "Street Lighting", "路灯照明", "lighting@city.example"),
    ("sanitation", "Sanitation and Waste", "环境卫生", "sanitation@city.example"),
    ("parks", "Parks and Trees", "公园绿化", "parks@city.example"),
    ("water", "Water and Drainage", "供水排水", "water@city.example"),
    ("transport", "Traffic and Transport", "交通运输", "transport@city.example"),
    ("housing", "Buildings and Housing", "房屋建筑", "housing@city.example"),
    ("order", "Public Order", "城市管理执法", "order@city.example"),
]

SIZE_QUESTION = {
    "code": "size",
    "datatype": "singlevaluelist",
    "required": True,
    "description": "How big is it?",
    "order": 1,
    "values": [
        {"key": "small", "name": "Smaller than a shoe"},
        {"key": "medium", "name": "Up to a car wheel"},
        {"key": "large", "name": "Larger than a car wheel"},
    ],
}
POLE_QUESTION = {
    "code": "pole_number",
    "datatype": "string",
    "required": False,
    "description": "Number on the pole, if you can see one",
    "order": 1,
    "values": [],
}
HAZARD_QUESTION = {
    "code": "blocking",
    "datatype": "singlevaluelist",
    "required": True,
    "description": "Is it blocking the way?",
    "order": 1,
    "values": [{"key": "yes", "name": "Yes"}, {"key": "no", "name": "No"}],
}

# code, name, zh-CN name, department, SLA hours, extra questions, keywords
CATEGORIES = [
    ("pothole", "Pothole", "路面坑洼", "roads", 72, [SIZE_QUESTION], "hole road crack"),
    ("pavement", "Broken pavement", "人行道破损", "roads", 120, [], "sidewalk tiles kerb"),
    ("streetlight", "Street light out", "路灯不亮", "lighting", 48, [POLE_QUESTION], "lamp dark"),
    ("light-damage", "Damaged light pole", "灯杆损坏", "lighting", 24, [], "wires pole"),
    ("litter", "Litter", "垃圾散落", "sanitation", 24, [], "rubbish trash"),
    ("bin", "Overflowing bin", "垃圾桶满溢", "sanitation", 24, [], "rubbish full"),
    ("dumping", "Illegal dumping", "违法倾倒", "sanitation", 72, [HAZARD_QUESTION], "fly-tip"),
    ("graffiti", "Graffiti", "涂鸦", "sanitation", 120, [], "paint tag vandalism"),
    ("fallen-tree", "Fallen tree or branch", "树木倒伏", "parks", 12, [HAZARD_QUESTION], "storm"),
    ("park", "Park damage", "公园设施损坏", "parks", 120, [], "bench playground"),
    ("drain", "Blocked drain", "下水道堵塞", "water", 24, [], "flood gully"),
    ("water-leak", "Water leak", "漏水", "water", 8, [], "pipe burst"),
    ("signal", "Traffic signal fault", "信号灯故障", "transport", 4, [], "traffic lights"),
    ("road-sign", "Damaged road sign", "路牌损坏", "transport", 96, [], "sign post"),
    ("vehicle", "Abandoned vehicle", "废弃车辆", "order", 168, [], "car bike"),
    ("noise", "Noise nuisance", "噪音扰民", "order", 48, [], "loud music"),
    ("building", "Unsafe building", "危险建筑", "housing", 24, [], "facade collapse"),
    ("gas", "Smell of gas", "煤气味", "housing", 1, [], "gas leak smell"),
]
# What the report screen says for a category: English, Chinese, and whether it only diverts.
NOTICES = {
    "gas": (
        "Smell of gas? Leave the building, do not switch anything on, and call 119 now. "
        "CityLoop is not watched around the clock.",
        "闻到煤气味？请立即离开建筑，不要开关任何电器，并拨打 119。CityLoop 并非全天候值守。",
        True,
    ),
    "fallen-tree": (
        "If a tree blocks the road or has hit someone, call 110 first.",
        "如果树木挡住道路或砸伤行人，请先拨打 110。",
        False,
    ),
}


def _notice(code: str) -> dict:
    if code not in NOTICES:
        return {}
    notice, notice_zh, stops = NOTICES[code]
    return {"notice": notice, "notices": {"zh-CN": notice_zh}, "notice_stops": stops}


USERS = [
    ("admin@cityloop.example", "Ada Admin", "admin", [], []),
    ("staff@cityloop.example", "Sam Staff", "staff", ["roads", "lighting"], ["roads"]),
    ("roads@cityloop.example", "陆路桥", "staff", ["roads"], []),
    ("volunteer@cityloop.example", "Vic Volunteer", "volunteer", [], []),
    ("resident@cityloop.example", "Rita Resident", "resident", [], []),
    ("water@cityloop.example", "王水务", "staff", ["water"], ["water"]),
    ("sanitation@cityloop.example", "李环卫", "staff", ["sanitation"], ["sanitation"]),
]


def load_demo(session: Session) -> str:
    """Idempotent: does nothing when the demo departments are already there."""
    if session.scalar(select(Department.id).where(Department.code == "roads")):
        return "Demo data is already loaded."
    for code, name, name_zh, email in DEPARTMENTS:
        department_service.create_department(
            session,
            OPERATOR,
            {"code": code, "name": name, "names": {"zh-CN": name_zh}, "contact_email": email},
        )
    for code, name, name_zh, department, sla, questions, keywords in CATEGORIES:
        department_service.create_category(
            session,
            OPERATOR,
            {
                "code": code,
                "name": name,
                "names": {"zh-CN": name_zh},
                "department": department,
                "sla_hours": sla,
                "attributes": questions,
                "keywords": keywords,
            }
            | _notice(code),
        )
    for email, name, role, departments, head_of in USERS:
        auth_service.create_user(
            session,
            email=email,
            password=DEMO_PASSWORD,
            display_name=name,
            role=role,
            departments=departments,
            head_of=head_of,
        )
    from backend.cases.demo import load_demo_cases
    from backend.incidents.demo import load_demo_incident
    from backend.proposals.demo import load_demo_proposals
    from backend.stats.demo import load_demo_stats

    cases = load_demo_cases(session)
    proposals = load_demo_proposals(session)
    stats = load_demo_stats(session)
    incidents = load_demo_incident(session)
    return (
        f"Loaded {len(DEPARTMENTS)} departments, {len(CATEGORIES)} categories and "
        f"{len(USERS)} users (password for all: {DEMO_PASSWORD}). {cases} {proposals} {stats} "
        f"{incidents}"
    )
