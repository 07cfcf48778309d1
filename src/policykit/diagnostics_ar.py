"""Error lines in Arabic (`--lang ar`): the same `file:line:col: code:` and the same stable code, then what the
code means in Arabic, then the English detail (it names keys, ids and dates exactly as the file has them)."""

from __future__ import annotations

from .diagnostics import Diagnostic

MEANING = {
    "body-too-large": "الطلب أكبر من الحد المسموح",
    "cross-origin": "طلب من موقع آخر مرفوض",
    "empty-body": "الطلب بلا محتوى",
    "forbidden-host": "اسم المضيف غير مسموح",
    "internal-error": "خطأ داخلي في البرنامج",
    "invalid-id": "معرّف غير صالح",
    "invalid-input": "مدخلات غير صالحة",
    "invalid-json": "نص JSON غير صالح",
    "method-not-allowed": "طريقة الطلب غير مسموحة",
    "no-token": "لا رمز دخول مهيأ",
    "not-arabic": "الوثيقة ليست نصاً عربياً",
    "not-available": "غير متاح بعد",
    "not-found": "غير موجود",
    "session-policy-mismatch": "الجلسة لسياسة أخرى",
    "source-too-long": "الوثيقة أطول من الحد المسموح",
    "timeout": "تجاوز الطلب الوقت المسموح",
    "overloaded": "الخدمة مشغولة بأقصى عدد من الطلبات",
    "unauthorized": "رمز الدخول مفقود أو غير صحيح",
    "unknown-case": "حالة غير معروفة",
    "unknown-job": "مهمة غير معروفة",
    "job-interrupted": "انقطع تنفيذ المهمة مرات متتالية",
    "jobs-dir-unsafe": "مجلد المهام غير آمن",
    "tokens-file-unsafe": "ملف الرموز غير آمن",
    "address-unavailable": "تعذّر الاستماع على هذا العنوان أو المنفذ",
    "unknown-session": "جلسة غير معروفة",
    "weak-token": "رمز الدخول أقصر من المسموح",
    "duplicate-column": "عمود مكرر في ترويسة السجل",
    "event-too-far-ahead": "حدث بعد ساعة الجلسة بأكثر من المهلة المسموحة",
    "not-a-regular-file": "المسار ليس ملفاً عادياً",
    "output-is-input": "ملف الإخراج هو أحد ملفات الإدخال",
    "output-unwritable": "تعذرت الكتابة في ملف الإخراج",
    "store-corrupt": "مخزن الجلسة تالف",
    "store-locked": "مخزن الجلسة مفتوح لدى جلسة أخرى",
    "store-unavailable": "تعذر الوصول إلى مخزن الجلسات الحية",
    "store-unreadable": "تعذر فتح مخزن الجلسة",
    "store-write-failed": "تعذرت الكتابة في مخزن الجلسة، ولم يُعتمد شيء",
    "binary-file": "الملف ثنائي وليس نصاً",
    "channel-not-offered": "قناة لا تقدمها هذه السياسة",
    "circular-extends": "السياسة ترث نفسها",
    "clock-went-back": "رجوع الساعة إلى وقت سابق",
    "duplicate-id": "معرّف مكرر",
    "duplicate-key": "مفتاح مكرر",
    "empty-file": "الملف فارغ",
    "events-after-as-of": "أحداث بعد تاريخ التقييم",
    "file-not-found": "الملف غير موجود",
    "file-too-large": "الملف أكبر من الحد المسموح",
    "file-unreadable": "تعذرت قراءة الملف",
    "forbidden-tag": "وسم YAML غير مسموح",
    "invalid-column-map": "خريطة أعمدة غير صالحة",
    "invalid-date": "تاريخ غير صالح",
    "invalid-key": "مفتاح غير صالح",
    "invalid-limit": "حد غير صالح",
    "invalid-log": "سجل أحداث غير مقروء",
    "invalid-utf8": "نص بترميز غير UTF-8",
    "invalid-value": "قيمة غير صالحة",
    "invalid-verdicts": "ملف أحكام غير صالح",
    "invalid-version": "إصدارات غير صالحة",
    "missing-dependency": "مكتبة اختيارية غير مثبتة",
    "missing-key": "مفتاح مطلوب مفقود",
    "not-a-policy": "الملف ليس سياسة",
    "not-utf8": "الملف ليس بترميز UTF-8 (احفظه من Excel بصيغة CSV UTF-8 أو استخدم --encoding cp1256)",
    "out-of-range": "قيمة خارج النطاق",
    "policy-path-refused": "مسار سياسة مرفوض",
    "store-policy-mismatch": "المخزن يخص سياسة أخرى",
    "syntax-error": "خطأ في الصياغة",
    "too-deep": "تداخل أعمق من الحد",
    "too-many-aliases": "أسماء مستعارة أكثر من الحد",
    "too-many-cases": "حالات أكثر من الحد",
    "too-many-events": "أحداث أكثر من الحد",
    "too-many-nodes": "قيم أكثر من الحد",
    "unknown-attribute": "خاصية لا يحملها هذا الحدث",
    "unknown-channel": "قناة غير معروفة",
    "unknown-column": "عمود غير معروف",
    "unknown-event": "نوع حدث غير معروف",
    "unknown-fact": "واقعة غير معروفة",
    "unknown-key": "مفتاح غير معروف",
    "unknown-log-format": "صيغة سجل غير معروفة",
    "unknown-policy": "سياسة غير معروفة",
    "unresolved-reference": "إشارة إلى معرّف غير معرّف",
    "usage": "استخدام غير صحيح لسطر الأوامر",
    "wrong-type": "نوع قيمة غير صحيح",
}


def render_arabic(diagnostic: Diagnostic) -> str:
    """`file:line:col: code: <Arabic meaning>: <English detail>`; an unknown code keeps its English line."""
    meaning = MEANING.get(diagnostic.code)
    if meaning is None:
        return diagnostic.render()
    head = (f"{diagnostic.span}: " if diagnostic.span else "") + f"{diagnostic.code}: "
    head = diagnostic.render().split(": ", head.count(": "))  # the location and code as render() escaped them
    where, rest = ": ".join(head[:-1]) + ": ", head[-1]
    return f"{where}{meaning}: {rest}"
