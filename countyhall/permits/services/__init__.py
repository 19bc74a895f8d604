"""Write services of the approval system. Import from here; each module holds one part of the workflow."""

from countyhall.permits.services.cases import (
    case_accept,
    case_decide,
    case_note_add,
    case_refuse_intake,
    case_resume,
    case_return,
    elderly_care_step_record,
    elderly_care_steps_due,
    elderly_care_steps_missing,
    extension_approve,
    extension_request,
    materials_on_file,
    permit_stage_apply,
    permit_stage_submit,
    review_give,
    stage_materials,
)
from countyhall.permits.services.clock import case_clock, case_limit, clock_sweep, review_clock
from countyhall.permits.services.credit import (
    blacklisted,
    commitment_accept,
    commitment_check,
    credit_record_add,
    credit_record_end,
    credit_records_in_force,
    project_credit_records,
)
from countyhall.permits.services.ledger import (
    project_ledger_export,
    project_ledger_import,
    project_ledger_template,
)
from countyhall.permits.services.reports import progress_report_submit
from countyhall.permits.services.setup import (
    assessment_record,
    elderly_room_handover_overdue,
    fees_record,
    handover_deadline,
    handover_deadline_terms,
    project_code_problem,
    project_correct,
    project_register,
    project_stage_plan,
    project_stages,
    residential_record,
    stage_limit_set,
)

__all__ = [
    "assessment_record", "blacklisted", "case_accept", "case_clock", "case_decide", "case_limit", "case_note_add",
    "case_refuse_intake", "case_resume", "case_return", "clock_sweep", "commitment_accept", "commitment_check", "credit_record_add", "credit_record_end",
    "credit_records_in_force", "elderly_care_step_record", "elderly_care_steps_due", "elderly_care_steps_missing",
    "elderly_room_handover_overdue", "extension_approve", "extension_request",
    "fees_record", "handover_deadline", "handover_deadline_terms", "materials_on_file", "permit_stage_apply", "permit_stage_submit",
    "progress_report_submit", "project_ledger_export", "project_ledger_import", "project_ledger_template", "project_credit_records", "project_code_problem", "project_correct", "project_register", "project_stage_plan", "project_stages", "residential_record", "review_clock", "review_give", "stage_limit_set",
    "stage_materials",
]
