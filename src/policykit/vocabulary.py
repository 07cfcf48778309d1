"""The canonical channels, case events and facts of SPEC §2, with Arabic and English labels."""

from __future__ import annotations

CHANNELS: dict[str, dict[str, str]] = {
    "interview": {"ar": "المقابلة", "en": "In-person interview"},
    "phone": {"ar": "الاتصالات الهاتفية", "en": "Phone calls"},
    "social_media": {"ar": "وسائل التواصل الاجتماعي", "en": "Social media"},
    "letters": {"ar": "الخطابات", "en": "Letters and correspondence"},
    "help_request_services": {"ar": "خدمات طلب المساعدة", "en": "Help-request services"},
    "volunteering_service": {"ar": "خدمة التطوع", "en": "Volunteering service"},
    "website": {"ar": "الموقع الإلكتروني للجمعية", "en": "The association's website"},
    "email": {"ar": "البريد الإلكتروني", "en": "Email"},
    "branch_office_delegates": {"ar": "مناديب المكاتب الفرعية", "en": "Branch-office delegates"},
    "fax": {"ar": "الفاكس", "en": "Fax"},
}

EVENTS: dict[str, dict[str, str]] = {
    "request_received": {"ar": "استقبال المستفيد واستلام الطلب", "en": "Request received"},
    "requirements_explained": {"ar": "تزويد المستفيد بمعايير واشتراطات الطلب",
                               "en": "Requirements explained"},
    "procedures_unclear": {"ar": "عدم وضوح الإجراءات للمستفيد", "en": "Procedures unclear to the applicant"},
    "referred_to_social_researcher": {"ar": "الإحالة لمسؤول البحث الاجتماعي",
                                      "en": "Referred to the social researcher"},
    "data_verified": {"ar": "مطابقة البيانات والتأكد من صلاحيتها", "en": "Data verified"},
    "declaration_signed": {"ar": "توقيع المستفيد على صحة البيانات", "en": "Declaration signed"},
    "applicant_informed": {"ar": "إبلاغ المستفيد بعرض الطلب على اللجنة وموعد الرد",
                           "en": "Applicant informed of committee review and answer date"},
    "request_completed": {"ar": "اكتمال الطلب", "en": "Request completed"},
    "referred_to_committee": {"ar": "رفع الطلب إلى اللجنة", "en": "Referred to the committee"},
    "decision_notified": {"ar": "إبلاغ المستفيد بالقبول أو الرفض", "en": "Decision notified"},
    "registration_completed": {"ar": "استكمال إجراءات التسجيل", "en": "Registration completed"},
    "service_delivered": {"ar": "تقديم الخدمة", "en": "Service delivered"},
    "complaint_received": {"ar": "استقبال الشكوى", "en": "Complaint received"},
    "complaint_resolved": {"ar": "البت في الشكوى", "en": "Complaint decided"},
    "case_closed": {"ar": "إغلاق الحالة", "en": "Case closed"},
}

# Attributes each canonical event may carry; values listed where the set is closed.
EVENT_ATTRIBUTES: dict[str, dict[str, tuple[str, ...] | None]] = {
    "request_received": {"channel": None, "agreed_channel": None},
    "decision_notified": {"outcome": ("approved", "rejected"), "channel": None},
    "complaint_received": {"channel": None},
}
CHANNEL_ATTRIBUTES = frozenset({"channel", "agreed_channel"})

FACTS: dict[str, dict[str, str]] = {
    "association_caused_harm": {"ar": "ثبوت تسبب الجمعية في الضرر", "en": "The association caused the harm"},
    "investigation_minutes_approved": {"ar": "محضر لجنة التحقيق والمتابعة معتمد",
                                       "en": "Investigation committee minutes approved"},
    "final_ruling_issued": {"ar": "صدور حكم قضائي أو حكم نهائي", "en": "A final or judicial ruling issued"},
}

AUDIENCES = ("beneficiaries", "general_assembly_members")
