"""The inventory of personal data (个人信息清单, PIPL): every field of every model, decided.

Each model of the project (third-party ones included: sessions, tokens, sign-in records, the admin's
log) is listed here with, for every concrete field, either a ``Personal`` entry — what kind of
personal data it is, whose it is, what a learner's export does with it and what her erasure does
with it, and why — or its name among the fields that hold no personal data. A field added without
a decision fails ``tests/portal/test_privacy_inventory.py``; the export and the erasure
(``learners.services.privacy``) read their work from here, so a field declared is a field handled.

The decisions, as the academy's data-protection officer takes them:

* A learner's own data is exported in full, her resident ID number in the clear in her own export
  only (PIPL art. 45: a copy of her data); internal digests, keys and credentials are not exported
  (they are not information about her, and a credential must never travel).
* Erasure on request (PIPL art. 47) deletes or pseudonymises what the portal needs no longer: her
  account's contact data and credentials, what she wrote (posts, essays, documents, comments),
  progress details, reminders, places still in progress, roster lines of closed receipts, her
  certificate PDFs and every cached or derived copy, her sessions and tokens.
* Kept by law (PIPL art. 47, last paragraph: storage only, no other processing): her training
  archive — the person record that identifies her (name and the encrypted ID number), her hour
  entries, her completed places and the evidence behind them (exam scores, attendance, the
  essay's status), her issued certificates' facts (an hour proof the academy issued must stay
  verifiable: 《中国共产党党员教育管理工作条例》 and 《干部教育培训工作条例》 require training
  archives of hours). An archive that cannot be tied to its person is worthless to the authority
  that audits it, so these keep her name; her account is closed and her name pseudonymised
  everywhere else.
* Security and audit logs (the audit log, the admin's log) are append-only and kept: 网络安全法
  art. 21 requires network logs to be kept at least six months; they hold no ID numbers.
* Data of other people (a school's liaison on a receipt, a payer on a bank statement, a speaker of
  a lesson) is not a learner's: it is listed, with why it is kept, and a learner's export and
  erasure leave it alone (``subject`` says whose it is).
"""

from dataclasses import dataclass, field

# What kind of personal data a field holds.
IDENTITY = "identity"  # a name, a username: who she is
ID_NUMBER = "id_number"  # the resident ID number (sensitive, PIPL art. 28), or its digest
CONTACT = "contact"  # a phone number, an email address, a postal address
CREDENTIAL = "credential"  # a password (hash), a token, a session
CONTENT = "content"  # what she wrote: posts, essays, documents, comments
STUDY_RECORD = "study_record"  # progress, scores, attendance, hours, certificates
SENSITIVE = "sensitive"  # political affiliation (party status), health (an exemption's reason)
EMPLOYMENT = "employment"  # department, post, school
TECHNICAL = "technical"  # IP addresses, user agents, times of sign-in
FILE = "file"  # a stored file that holds personal data
AUDIT = "audit"  # a log line that may name a person
FINANCIAL = "financial"  # a payer's name or account

# Whose data it is.
LEARNER = "learner"
STAFF = "staff"  # a school's or the academy's people (liaisons, coordinators, reviewers)
PAYER = "payer"  # whoever paid by bank transfer
SPEAKER = "speaker"  # a lesson's or live session's speaker, published with the course
ANYONE = "anyone"  # any user (sign-in records, sessions, logs)

# What a learner's export does with a field of hers.
EXPORT = "export"  # included as stored
EXPORT_DECRYPTED = "export_decrypted"  # an encrypted value, decrypted: her own export only
EXPORT_FILE = "export_file"  # the file itself goes into the export's zip
NO_EXPORT = "no_export"  # left out (reason says why)

# What her erasure does with it.
BLANK = "blank"  # emptied (the field's empty value)
PSEUDONYMISE = "pseudonymise"  # replaced by ``Personal.replacement``
DELETE_ROW = "delete_row"  # the rows holding it are deleted
DELETE_FILE = "delete_file"  # the stored file is deleted and the field emptied
KEEP_BY_LAW = "keep_by_law"  # kept, processing restricted to storage (reason names the law)
NOT_HERS = "not_hers"  # another person's data: a learner's erasure leaves it (reason says why)

ERASED_NAME = "已注销学员"
ERASED_TEXT = "（内容已应本人要求删除）"


@dataclass(frozen=True)
class Personal:
    category: str
    export: str
    erase: str
    reason: str
    subject: str = LEARNER
    replacement: str = ""


@dataclass(frozen=True)
class ModelInventory:
    """A model's fields: ``personal`` by name, and ``not_personal`` (every other field).

    ``owner`` is the lookup from the model to the learner's user id, for the rows that are hers
    (None: no row of this model is a learner's own record). ``rows`` says what her erasure does
    with her rows as a whole: "keep" (fields handled one by one), "delete", or "special" (the
    service decides per row, e.g. places in progress are deleted, completed ones kept by law).
    """

    personal: dict[str, Personal] = field(default_factory=dict)
    not_personal: frozenset[str] = frozenset()
    owner: str | None = None
    rows: str = "keep"
    rows_reason: str = ""


def _np(*names: str) -> frozenset[str]:
    return frozenset(names)


_ARCHIVE = "学时档案须按规定保存（党员教育管理工作条例、干部教育培训工作条例）：只存储，不再处理"
_LOG = "网络安全法第二十一条：网络日志至少留存六个月；审计日志只追加、不修改"
_ACCOUNTS = "收付款记录属会计档案（会计档案管理办法），按期限保存"
_NOT_LEARNER = "参训单位或学院工作人员的联系信息，随回执（合同性文件）保存；不属于学员个人数据"
_SESSION = "登录状态：注销时删除其会话"

INVENTORY: dict[str, ModelInventory] = {
    # ---- Django and third-party models ----
    "admin.LogEntry": ModelInventory(
        personal={
            "object_repr": Personal(AUDIT, NO_EXPORT, KEEP_BY_LAW, _LOG, subject=ANYONE),
            "change_message": Personal(AUDIT, NO_EXPORT, KEEP_BY_LAW, _LOG, subject=ANYONE),
        },
        not_personal=_np("id", "action_time", "user", "content_type", "object_id", "action_flag"),
    ),
    "auth.Permission": ModelInventory(not_personal=_np("id", "name", "content_type", "codename")),
    "auth.Group": ModelInventory(not_personal=_np("id", "name", "permissions")),
    "contenttypes.ContentType": ModelInventory(not_personal=_np("id", "app_label", "model")),
    "sessions.Session": ModelInventory(
        personal={
            "session_data": Personal(CREDENTIAL, NO_EXPORT, DELETE_ROW, _SESSION, subject=ANYONE),
            "session_key": Personal(CREDENTIAL, NO_EXPORT, DELETE_ROW, _SESSION, subject=ANYONE),
        },
        not_personal=_np("expire_date"),
        rows="special",
        rows_reason="会话数据经签名编码，按其中的用户编号查找并删除",
    ),
    "authtoken.Token": ModelInventory(
        personal={
            "key": Personal(CREDENTIAL, NO_EXPORT, DELETE_ROW, "凭据不导出；注销时作废"),
            "created": Personal(TECHNICAL, EXPORT, DELETE_ROW, "导出其存在与创建时间，不导出凭据"),
        },
        not_personal=_np("user"),
        owner="user_id",
        rows="delete",
    ),
    "authtoken.TokenProxy": ModelInventory(
        personal={
            "key": Personal(CREDENTIAL, NO_EXPORT, DELETE_ROW, "同 authtoken.Token（代理模型）"),
        },
        not_personal=_np("user", "created"),
    ),
    **{
        f"axes.{name}": ModelInventory(
            personal={
                "username": Personal(TECHNICAL, EXPORT, DELETE_ROW, "登录记录：导出后删除"),
                "ip_address": Personal(TECHNICAL, EXPORT, DELETE_ROW, "登录记录：导出后删除"),
                "user_agent": Personal(TECHNICAL, EXPORT, DELETE_ROW, "登录记录：导出后删除"),
                **extra,
            },
            not_personal=_np("id", "http_accept", "path_info", "attempt_time", *more),
            rows="special",
            rows_reason="按用户名查找其登录记录",
        )
        for name, extra, more in (
            ("AccessFailureLog", {}, ("locked_out",)),
            (
                "AccessAttempt",
                {
                    "get_data": Personal(TECHNICAL, NO_EXPORT, DELETE_ROW, "登录请求的原始参数"),
                    "post_data": Personal(TECHNICAL, NO_EXPORT, DELETE_ROW, "登录请求的原始参数"),
                },
                ("failures_since_start",),
            ),
            (
                "AccessLog",
                {"session_hash": Personal(CREDENTIAL, NO_EXPORT, DELETE_ROW, "会话摘要")},
                ("logout_time",),
            ),
        )
    },
    "axes.AccessAttemptExpiration": ModelInventory(
        not_personal=_np("access_attempt", "expires_at")
    ),
    # ---- portal ----
    "portal.User": ModelInventory(
        personal={
            "username": Personal(
                IDENTITY,
                EXPORT,
                PSEUDONYMISE,
                "登录名换为无意义的编号，账号停用",
                subject=ANYONE,
                replacement="erased-{pk}",
            ),
            "full_name": Personal(
                IDENTITY,
                EXPORT,
                PSEUDONYMISE,
                "账号上的姓名换为化名；学时档案中的姓名见 learners.Learner.name",
                subject=ANYONE,
                replacement=ERASED_NAME,
            ),
            "first_name": Personal(IDENTITY, EXPORT, BLANK, "不再需要", subject=ANYONE),
            "last_name": Personal(IDENTITY, EXPORT, BLANK, "不再需要", subject=ANYONE),
            "email": Personal(CONTACT, EXPORT, BLANK, "不再需要", subject=ANYONE),
            "mobile": Personal(CONTACT, EXPORT, BLANK, "不再需要", subject=ANYONE),
            "password": Personal(
                CREDENTIAL, NO_EXPORT, PSEUDONYMISE, "凭据不导出；注销后设为不可用", subject=ANYONE
            ),
            "last_login": Personal(TECHNICAL, EXPORT, BLANK, "不再需要", subject=ANYONE),
            "date_joined": Personal(
                TECHNICAL, EXPORT, KEEP_BY_LAW, "账号开通时间随学时档案保存", subject=ANYONE
            ),
            "institution": Personal(
                EMPLOYMENT, EXPORT, KEEP_BY_LAW, "所在单位随学时档案保存", subject=ANYONE
            ),
        },
        not_personal=_np(
            "id",
            "is_superuser",
            "is_staff",
            "is_active",
            "role",
            "province",
            "desk",
            "must_change_password",
            "groups",
            "user_permissions",
        ),
        owner="pk",
    ),
    "portal.AuditEvent": ModelInventory(
        personal={
            "actor": Personal(AUDIT, NO_EXPORT, KEEP_BY_LAW, _LOG, subject=ANYONE),
            "object_repr": Personal(AUDIT, NO_EXPORT, KEEP_BY_LAW, _LOG, subject=ANYONE),
            "comment": Personal(AUDIT, NO_EXPORT, KEEP_BY_LAW, _LOG, subject=ANYONE),
            "details": Personal(
                AUDIT, NO_EXPORT, KEEP_BY_LAW, _LOG + "；只含脱敏值", subject=ANYONE
            ),
        },
        not_personal=_np("id", "at", "action", "content_type", "object_id"),
    ),
    # ---- enrollment ----
    "enrollment.Province": ModelInventory(not_personal=_np("id", "code", "name")),
    "enrollment.Institution": ModelInventory(
        not_personal=_np(
            "id", "created_at", "updated_at", "name", "code", "type", "desk", "province"
        )
    ),
    "enrollment.Receipt": ModelInventory(
        personal={
            name: Personal(kind, NO_EXPORT, NOT_HERS, _NOT_LEARNER, subject=STAFF)
            for name, kind in (
                ("leader_name", IDENTITY),
                ("leader_title", EMPLOYMENT),
                ("leader_mobile", CONTACT),
                ("liaison_name", IDENTITY),
                ("liaison_phone", CONTACT),
                ("liaison_mobile", CONTACT),
                ("liaison_email", CONTACT),
                ("liaison_fax", CONTACT),
                ("postal_address", CONTACT),
                ("created_by", IDENTITY),
                ("roster_consent_by", IDENTITY),
                ("seal_scan", FILE),
            )
        },
        not_personal=_np(
            "id",
            "created_at",
            "updated_at",
            "institution",
            "status",
            "desk",
            "department",
            "trainee_categories",
            "postcode",
            "preferred_start_date",
            "study_length_days",
            "invoice_title",
            "taxpayer_id",
            "suggestions",
            "filled_on",
            "submitted_at",
            "roster_consent_at",
        ),
    ),
    "enrollment.ReceiptLine": ModelInventory(
        not_personal=_np("id", "receipt", "program", "participants", "cohort")
    ),
    "enrollment.ReceiptTransition": ModelInventory(
        personal={
            "by": Personal(
                AUDIT, NO_EXPORT, NOT_HERS, "回执流转的操作人（单位或学院）", subject=STAFF
            ),
            "comment": Personal(
                CONTENT, NO_EXPORT, NOT_HERS, "审核意见，属回执文书", subject=STAFF
            ),
        },
        not_personal=_np("id", "receipt", "from_status", "to_status", "at", "notified_at"),
    ),
    # A roster line names her on a school's receipt. Lines of closed receipts (placed, rejected,
    # withdrawn) are deleted at her erasure: her completed places keep what the archive needs, the
    # quote keeps the headcount. While a receipt is still open the erasure is refused: the school
    # (or the desk amending an approved receipt) removes her first, so headcounts stay true.
    "enrollment.RosterEntry": ModelInventory(
        personal={
            "name": Personal(IDENTITY, EXPORT, DELETE_ROW, "名单行随已关闭的回执删除"),
            "gender": Personal(IDENTITY, EXPORT, DELETE_ROW, "名单行随已关闭的回执删除"),
            "id_encrypted": Personal(
                ID_NUMBER, EXPORT_DECRYPTED, DELETE_ROW, "仅在本人导出中显示完整号码"
            ),
            "id_hash": Personal(ID_NUMBER, NO_EXPORT, DELETE_ROW, "内部摘要，对本人无信息"),
            "id_masked": Personal(ID_NUMBER, NO_EXPORT, DELETE_ROW, "完整号码已导出"),
            "mobile": Personal(CONTACT, EXPORT, DELETE_ROW, "名单行随已关闭的回执删除"),
            "department": Personal(EMPLOYMENT, EXPORT, DELETE_ROW, "名单行随已关闭的回执删除"),
            "post": Personal(EMPLOYMENT, EXPORT, DELETE_ROW, "名单行随已关闭的回执删除"),
            "party_status": Personal(SENSITIVE, EXPORT, DELETE_ROW, "政治面貌：敏感信息"),
            "review_note": Personal(CONTENT, EXPORT, DELETE_ROW, "名单行随已关闭的回执删除"),
        },
        not_personal=_np("id", "receipt", "line", "program", "row_number", "needs_review"),
        rows="special",
        rows_reason="按身份证号摘要查找；未关闭的回执上有其名单行时拒绝注销",
    ),
    # ---- courses ----
    "courses.Program": ModelInventory(
        not_personal=_np(
            "id",
            "created_at",
            "updated_at",
            "code",
            "name",
            "series",
            "category",
            "audience",
            "description",
            "fee_rule",
            "fee_amount",
            "max_participants",
            "default_hours",
            "catalog_year",
            "position",
            "is_active",
            "require_all_lessons",
            "lesson_completion_percent",
            "min_posts",
            "require_essay",
            "essay_min_chars",
            "require_exam",
            "exam_question_count",
            "exam_time_limit_minutes",
            "exam_pass_score",
            "exam_max_attempts",
            "min_live_sessions",
            "require_simulation",
            "activity_hours",
            "activity_hours_theory",
        )
    ),
    "courses.SimulationStage": ModelInventory(not_personal=_np("id", "number", "name")),
    "courses.SimulationStep": ModelInventory(
        not_personal=_np(
            "id",
            "stage",
            "number",
            "name",
            "case",
            "task_kind",
            "task",
            "document_template",
            "document_min_chars",
            "document_keywords",
        )
    ),
    "courses.Cohort": ModelInventory(
        personal={
            "coordinator": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "期次的学院负责人（工作人员）", subject=STAFF
            )
        },
        not_personal=_np(
            "id",
            "created_at",
            "updated_at",
            "program",
            "name",
            "start_date",
            "end_date",
            "capacity",
        ),
    ),
    "courses.SimulationOption": ModelInventory(
        not_personal=_np("id", "step", "position", "text", "is_correct", "feedback")
    ),
    "courses.HourBand": ModelInventory(not_personal=_np("id", "program", "min_minutes", "hours")),
    "courses.Lesson": ModelInventory(
        personal={
            "speaker": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "主讲人姓名随课程公开发布", subject=SPEAKER
            )
        },
        not_personal=_np(
            "id",
            "created_at",
            "updated_at",
            "program",
            "position",
            "title",
            "description",
            "video",
            "duration_seconds",
            "hours",
            "is_theory",
        ),
    ),
    "courses.DiscussionTopic": ModelInventory(
        not_personal=_np("id", "created_at", "updated_at", "cohort", "title", "prompt", "is_open")
    ),
    "courses.Question": ModelInventory(
        not_personal=_np(
            "id", "created_at", "updated_at", "program", "kind", "text", "explanation", "is_active"
        )
    ),
    "courses.Choice": ModelInventory(
        not_personal=_np("id", "question", "position", "text", "is_correct")
    ),
    "courses.LiveSession": ModelInventory(
        personal={
            "speaker": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "主讲人姓名随课程公开发布", subject=SPEAKER
            )
        },
        not_personal=_np(
            "id",
            "created_at",
            "updated_at",
            "cohort",
            "title",
            "starts_at",
            "duration_minutes",
            "link",
            "hours",
            "is_theory",
        ),
    ),
    # ---- learners ----
    "learners.Learner": ModelInventory(
        personal={
            "name": Personal(IDENTITY, EXPORT, KEEP_BY_LAW, _ARCHIVE + "；学时档案须能对应到本人"),
            "id_encrypted": Personal(
                ID_NUMBER, EXPORT_DECRYPTED, KEEP_BY_LAW, _ARCHIVE + "；加密保存，仅本人导出中显示"
            ),
            "id_hash": Personal(ID_NUMBER, NO_EXPORT, KEEP_BY_LAW, _ARCHIVE + "；内部摘要"),
            "id_masked": Personal(ID_NUMBER, EXPORT, KEEP_BY_LAW, _ARCHIVE),
            "initial_password_encrypted": Personal(
                CREDENTIAL, NO_EXPORT, BLANK, "凭据不导出；注销时删除"
            ),
            "issued_by": Personal(EMPLOYMENT, EXPORT, KEEP_BY_LAW, _ARCHIVE),
            "study_tab": Personal(TECHNICAL, NO_EXPORT, BLANK, "计时窗口标识，无信息价值"),
            "study_beat_at": Personal(TECHNICAL, EXPORT, BLANK, "不再需要"),
            "hour_category": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE),
            "hour_exempt": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE),
            "hour_exempt_reason": Personal(
                SENSITIVE, EXPORT, BLANK, "免除原因可能涉及健康状况（敏感信息），档案只需免除本身"
            ),
            "hour_category_corrected": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE),
            "period_hours": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE),
            "period_theory_hours": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE),
        },
        not_personal=_np("id", "created_at", "updated_at", "user"),
        owner="user_id",
    ),
    "learners.Enrollment": ModelInventory(
        personal={
            name: Personal(
                STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "（已结业的）；学习中的删除"
            )
            for name in (
                "cohort",
                "institution",
                "status",
                "completed_at",
                "hours_earned",
                "theory_hours_earned",
                "created_at",
            )
        },
        not_personal=_np("id", "updated_at", "learner"),
        owner="learner_id",
        rows="special",
        rows_reason="学习中的选课记录（无学时、无证书）删除；已结业的作为学时档案保存",
    ),
    "learners.LessonProgress": ModelInventory(
        personal={
            name: Personal(
                STUDY_RECORD, EXPORT, DELETE_ROW, "结业结果已记录在选课记录上，明细不再需要"
            )
            for name in ("lesson", "watched_seconds", "position_seconds", "beat_at", "completed_at")
        }
        | {"tab": Personal(TECHNICAL, NO_EXPORT, DELETE_ROW, "计时窗口标识")},
        not_personal=_np("id", "enrollment"),
        owner="enrollment__learner_id",
        rows="delete",
    ),
    "learners.Post": ModelInventory(
        personal={
            "body": Personal(
                CONTENT,
                EXPORT,
                PSEUDONYMISE,
                "帖子内容删除，保留占位使他人回复仍可阅读",
                replacement=ERASED_TEXT,
            ),
            "hidden_reason": Personal(CONTENT, EXPORT, BLANK, "对其帖子的屏蔽说明"),
            "created_at": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, "占位帖子保留时间"),
            "topic": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, "占位帖子保留主题"),
        },
        not_personal=_np(
            "id", "updated_at", "author", "enrollment", "parent", "is_hidden", "hidden_by"
        ),
        owner="author_id",
    ),
    "learners.Essay": ModelInventory(
        personal={
            "title": Personal(
                CONTENT, EXPORT, PSEUDONYMISE, "心得内容删除", replacement=ERASED_TEXT
            ),
            "body": Personal(
                CONTENT, EXPORT, PSEUDONYMISE, "心得内容删除", replacement=ERASED_TEXT
            ),
            "comment": Personal(CONTENT, EXPORT, BLANK, "对其心得的批阅意见"),
            "status": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据"),
            "submitted_at": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据"),
            "reviewed_at": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据"),
            "revision": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据"),
        },
        not_personal=_np("id", "created_at", "updated_at", "enrollment", "reviewed_by"),
        owner="enrollment__learner_id",
    ),
    "learners.ExamAttempt": ModelInventory(
        personal={
            name: Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据")
            for name in ("number", "started_at", "deadline", "submitted_at", "score", "passed")
        },
        not_personal=_np("id", "enrollment"),
        owner="enrollment__learner_id",
    ),
    "learners.AttemptAnswer": ModelInventory(
        personal={
            name: Personal(
                STUDY_RECORD, EXPORT, DELETE_ROW, "得分已记录在考试记录上，答题明细不再需要"
            )
            for name in ("question", "position", "chosen", "is_correct")
        },
        not_personal=_np("id", "attempt"),
        owner="attempt__enrollment__learner_id",
        rows="delete",
    ),
    "learners.Attendance": ModelInventory(
        personal={
            name: Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：直播学时依据")
            for name in ("session", "source", "recorded_at")
        },
        not_personal=_np("id", "enrollment", "recorded_by"),
        owner="enrollment__learner_id",
    ),
    "learners.StepProgress": ModelInventory(
        personal={
            "document": Personal(CONTENT, EXPORT, BLANK, "其撰写的文书删除"),
            "step": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据"),
            "choice": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据"),
            "tries": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据"),
            "completed_at": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE + "：考核依据"),
        },
        not_personal=_np("id", "enrollment"),
        owner="enrollment__learner_id",
    ),
    "learners.Evaluation": ModelInventory(
        personal={
            "comment": Personal(CONTENT, EXPORT, BLANK, "其意见建议删除"),
            **{
                name: Personal(
                    STUDY_RECORD,
                    EXPORT,
                    KEEP_BY_LAW,
                    "评分在账号化名后成为匿名统计（测评完成是考核依据）",
                )
                for name in ("overall", "content", "organisation", "platform", "submitted_at")
            },
        },
        not_personal=_np("id", "enrollment"),
        owner="enrollment__learner_id",
    ),
    "learners.LessonRating": ModelInventory(
        personal={
            "rating": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, "评分在账号化名后成为匿名统计"),
            "lesson": Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, "评分在账号化名后成为匿名统计"),
        },
        not_personal=_np("id", "evaluation"),
        owner="evaluation__enrollment__learner_id",
    ),
    "learners.HourEntry": ModelInventory(
        personal={
            name: Personal(STUDY_RECORD, EXPORT, KEEP_BY_LAW, _ARCHIVE)
            for name in (
                "source",
                "title",
                "platform",
                "completed_on",
                "hours",
                "theory_hours",
                "recorded_at",
            )
        }
        | {"record_key": Personal(STUDY_RECORD, NO_EXPORT, KEEP_BY_LAW, _ARCHIVE + "；内部摘要")},
        not_personal=_np("id", "learner", "enrollment", "recorded_by"),
        owner="learner__user_id",
    ),
    "learners.HourReminder": ModelInventory(
        personal={
            "created_at": Personal(STUDY_RECORD, EXPORT, DELETE_ROW, "提醒已无用途"),
            "emailed_at": Personal(CONTACT, EXPORT, DELETE_ROW, "提醒已无用途"),
            "institution": Personal(EMPLOYMENT, EXPORT, DELETE_ROW, "提醒已无用途"),
        },
        not_personal=_np("id", "learner", "sent_by"),
        owner="learner__user_id",
        rows="delete",
    ),
    # ---- certificates ----
    "certificates.SerialCounter": ModelInventory(not_personal=_np("year", "last")),
    "certificates.Certificate": ModelInventory(
        personal={
            **{
                name: Personal(
                    STUDY_RECORD,
                    EXPORT,
                    KEEP_BY_LAW,
                    _ARCHIVE + "；已发出的学时证明须仍可核验",
                )
                for name in (
                    "serial",
                    "learner_name",
                    "institution_name",
                    "program_name",
                    "period_start",
                    "period_end",
                    "hours",
                    "theory_hours",
                    "issued_on",
                    "issuer",
                    "status",
                    "revoked_reason",
                    "revoked_at",
                )
            },
            "token": Personal(CREDENTIAL, EXPORT, KEEP_BY_LAW, "核验码：证书上已印出，须仍可核验"),
            "pdf": Personal(
                FILE, EXPORT_FILE, DELETE_FILE, "PDF 文件删除（需要时学院可依档案重新生成）"
            ),
            "pdf_rendered_at": Personal(FILE, NO_EXPORT, BLANK, "随 PDF 文件删除"),
        },
        not_personal=_np(
            "id",
            "created_at",
            "updated_at",
            "enrollment",
            "learner",
            "program",
            "cohort",
            "revoked_by",
        ),
        owner="learner_id",
    ),
    "certificates.CertificateBatch": ModelInventory(
        personal={
            "archive": Personal(
                FILE,
                NO_EXPORT,
                DELETE_FILE,
                "含多人证书的压缩包：其期次的压缩包在注销时删除（可重新打包），并按保存期限清理",
                subject=ANYONE,
            ),
            "requested_by": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "发起人（工作人员）", subject=STAFF
            ),
        },
        not_personal=_np(
            "id",
            "created_at",
            "updated_at",
            "kind",
            "cohort",
            "institution",
            "status",
            "total",
            "done",
            "issued",
            "skipped",
            "error",
            "finished_at",
        ),
    ),
    # ---- billing ----
    "billing.Quote": ModelInventory(
        personal={
            "created_by": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "核价人（工作人员）", subject=STAFF
            )
        },
        not_personal=_np(
            "id", "receipt", "version", "reason", "total", "previous_total", "created_at"
        ),
    ),
    "billing.QuoteLine": ModelInventory(
        not_personal=_np(
            "id",
            "quote",
            "program",
            "fee_rule",
            "people",
            "quantity",
            "unit_price",
            "amount",
            "note",
        )
    ),
    "billing.NegotiatedFee": ModelInventory(
        personal={
            "entered_by": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "录入人（工作人员）", subject=STAFF
            )
        },
        not_personal=_np("id", "created_at", "updated_at", "line", "amount", "note"),
    ),
    "billing.BankStatement": ModelInventory(
        personal={
            "imported_by": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "导入人（工作人员）", subject=STAFF
            )
        },
        not_personal=_np("id", "sha256", "filename", "imported_at"),
    ),
    "billing.StatementLine": ModelInventory(
        personal={
            "payer_name": Personal(FINANCIAL, NO_EXPORT, NOT_HERS, _ACCOUNTS, subject=PAYER),
            "payer_account": Personal(FINANCIAL, NO_EXPORT, NOT_HERS, _ACCOUNTS, subject=PAYER),
            "remark": Personal(FINANCIAL, NO_EXPORT, NOT_HERS, _ACCOUNTS, subject=PAYER),
        },
        not_personal=_np(
            "id", "statement", "row_number", "line_key", "booked_on", "amount", "status", "receipt"
        ),
    ),
    "billing.LedgerEntry": ModelInventory(
        personal={
            "payer_unit": Personal(FINANCIAL, NO_EXPORT, NOT_HERS, _ACCOUNTS, subject=PAYER),
            "created_by": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "记账人（工作人员）", subject=STAFF
            ),
        },
        not_personal=_np(
            "id",
            "receipt",
            "kind",
            "amount",
            "booked_on",
            "bank_reference",
            "note",
            "statement_line",
            "created_at",
        ),
    ),
    "billing.Invoice": ModelInventory(
        personal={
            "recorded_by": Personal(
                IDENTITY, NO_EXPORT, NOT_HERS, "开票登记人（工作人员）", subject=STAFF
            )
        },
        not_personal=_np(
            "id",
            "created_at",
            "updated_at",
            "receipt",
            "title",
            "taxpayer_id",
            "amount",
            "status",
            "number",
            "issued_on",
        ),
    ),
}

# Files kept outside the database that hold personal data, and how long they live.
FILES = {
    "roster upload": (
        "不保存：上传的名单在请求内读取后即丢弃；若将来保存，须放在 rosters/ 下，"
        "由 personal_files_purge 在 ROSTER_FILE_RETENTION_DAYS 天后清理"
    ),
    "roster error file": (
        "缓存（roster-errors:*），ROSTER_ERROR_FILE_SECONDS 秒后过期；身份证号已脱敏，按行号改正"
    ),
    "certificate PDF": "certificates.Certificate.pdf：本人导出包含；注销时删除",
    "certificate archive": (
        "certificates.CertificateBatch.archive：CERTIFICATE_ARCHIVE_RETENTION_DAYS 天后清理"
    ),
    "receipt seal scan": "enrollment.Receipt.seal_scan：单位文书，随回执保存",
}

# Where a full (unmasked) resident ID number or a learner's mobile number may be shown or handed
# out, by route name: tests/test_privacy_scan.py follows a seeded person everywhere else (pages,
# API answers, exports, PDFs, logs, cache entries, task arguments, mail, the audit log) and fails
# when either turns up in a place not listed here.
CLEAR_ID_NUMBER_ROUTES = {
    "learners:my-data-export": "她本人的数据导出（PIPL 第四十五条）",
    "enrollment:roster-export-full": "受理条线的完整名单导出（按需、记入审计日志）",
    # "certificates:pdf" too, but only when CERTIFICATE_SHOW_FULL_ID is set (some provinces).
}
CLEAR_MOBILE_ROUTES = {
    **CLEAR_ID_NUMBER_ROUTES,
    "enrollment:receipt-detail": "回执名单：单位与受理条线核对联系方式",
    "api:receipt-roster": "回执名单（API）：同上",
    "admin:portal_user_change": "管理员维护账号",
}


def model_inventory(label: str) -> ModelInventory | None:
    return INVENTORY.get(label)


def learner_models() -> dict[str, ModelInventory]:
    """The models with rows that are a learner's own record (``owner`` set)."""
    return {label: entry for label, entry in INVENTORY.items() if entry.owner is not None}
