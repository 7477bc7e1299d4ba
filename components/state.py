"""Every session-state key the app uses, declared once."""

# Keys bound to the URL (bind="query-params"): the key is the query parameter's name, so a
# copied link reopens the same view. Short, and distinct per page (a key of one page's
# widget must not meet another page's widget of another kind).
LANGUAGE = "ui_language"
LANGUAGE_PARAM = "lang"  # URL: the UI language's code (en, zh)
LANGUAGE_SOURCE = "ui_language_source"  # what set it: link, browser, user, deck or chosen
LANGUAGE_USER = "ui_language_user"  # the user whose remembered language was looked up
OPENED = "opened_for_edit"  # (kind, key) → what an edit form was opened at (components.opened)
LOGIN_MESSAGE = "login_message"  # (translation key, args) of the last refused login
COOKIE_PENDING = "login_cookie_pending"  # set after a password login, cleared once written
COOKIE_DELETE_PENDING = "logout_cookie_pending"  # set on logout, cleared once deleted
SESSION_VERSION = "login_session_version"  # the user's session version at this login
# Keys streamlit-authenticator owns; listed here so logout can clear them.
AUTH_STATUS = "authentication_status"
AUTH_USERNAME = "username"
# The main tabs of each page (URL).
REGISTER_TAB = "register_tab"
SAT_TAB = "sat_tab"
CHURN_TAB = "churn_tab"
DQ_TAB = "dq_tab"
ADMIN_TAB = "admin_tab"
DQ_SILO_FIELD = "silo_field"  # URL
PRESENT_PARAM = "present"  # URL: 1 = presentation mode
ADVANCE_PARAM = "advance"  # URL: seconds per slide in presentation mode
DECK_PARAM = "deck"  # URL: a saved deck's name (presentation mode steps through its slides)
DECK_OPENED = "deck_opened"  # the linked deck's name this session took (its filters applied)
DECK_SLIDES = "deck_slides"  # {name, slides}: the saved deck the deck bar steps through
DECK_UNKNOWN = "deck_unknown"  # a linked deck name that is not saved, said once on the page
DECK_NAME = "deck_name"  # the "save deck" name input
DECK_CHOSEN = "deck_chosen"  # the "save deck" slides multiselect
DECK_SAVE = "deck_save"  # the "save deck" button
DECK_DELETE_CHOSEN = "deck_delete_chosen"  # the deck picked for deletion
DECK_DELETE = "deck_delete"  # the "delete deck" button
DECK_MESSAGE = "deck_message"  # (translation key, args) after a delete, shown once
PII_VIEWS = "pii_views"  # views of unmasked personal data this session has audited
URL_SEEN = "url_seen"  # URL parameters (not widgets) whose link value was read
URL_HELD = "url_held"  # their link values, held until the page's own control says something
URL_NOTICES = "url_notices"  # {page, messages}: parts of a link not followed, said on its page
CURRENT_PAGE = "current_page"  # the url path of the page this run shows
RISK_PARAM = "risk"  # URL: the opened risk, by its code
CELL_PARAM = "cell"  # URL: the register matrix's clicked cell, "likelihood-impact"
FILTER_PREFIX = "flt_"
FILTERS = "filters"  # the Filters dataclass the sidebar produced on this run
FILTERS_FROM_URL = "filters_from_url"  # set once the URL's filters were applied to the widgets
# risk register page
REGISTER_MATRIX = "register_matrix"
REGISTER_MATRIX_KIND = "matrix"  # URL
REGISTER_TABLE = "register_table"
REGISTER_SELECTED = "register_selected_risk"
REGISTER_PICKER = "register_picker"  # "open a risk" select box
REGISTER_CLOSED = "closed"  # URL
REGISTER_CATEGORIES = "category"  # URL
REGISTER_LEVELS = "level"  # URL
REGISTER_STATUSES = "status"  # URL
REGISTER_FLAGS = "flag"  # URL
REGISTER_NOTICE = "register_notice"  # confirmation shown after a successful save
REGISTER_WORKFLOW_TAB = "register_workflow_tab"  # + risk id: the open workflow tab
# response plans (the register page's Response plans tab)
PLAN_PARAM = "plan"  # URL: the opened plan, by its risk category's code
PLAN_PICKER = "plan_picker"  # the "open a plan" select box
PLAN_TABLE = "plan_table"  # the plans table (its selected row opens a plan)
PLAN_LAST_SELECTED = "plan_last_selected"  # the category a table selection last opened
PLAN_NOTICE = "plan_notice"  # confirmation shown once after a plan or drill is saved
PLAN_VERSION_SHOWN = "plan_version_shown"  # + category: the saved version shown in history
PLAN_FORM = "plan_form"  # + category: the edit form (its fields: + "_roles", "_steps", …)
PLAN_DRILL_FORM = "plan_drill_form"  # + category: the record-a-drill form
# satisfaction page
SAT_FOCUS_PARAM = "focus"  # URL query parameter holding the page's segment focus
SAT_BREAKDOWN_DIM = "by"  # URL
SAT_BREAKDOWN_METRIC = "measure"  # URL
SAT_BREAKDOWN_CHART = "sat_breakdown_chart"  # + a counter, so a used selection is not replayed
SAT_CHART_NONCE = "sat_breakdown_nonce"
SAT_WARNING_TABLE = "sat_warning_table"
SAT_SCATTER_DIM = "compare"  # URL
SAT_CSAT_SOURCE = "csat_source"  # URL: surveys or post-resolution answers
SAT_LIST_CATEGORY = "complaint_category"  # URL
SAT_LIST_SEVERITY = "complaint_severity"  # URL
SAT_LIST_STATUS = "complaint_status"  # URL
SAT_LIST_PAGE = "sat_list_page"
SAT_VOLUME_NONCE = "sat_volume_nonce"  # bumped after a volume-chart click opens the list
CHURN_SPLIT = "split"  # URL
CHURN_MATRIX_KIND = "cohort_measure"  # URL
CHURN_DRILL_COHORT = "cohort"  # URL (+ unit)
CHURN_DRILL_WHICH = "left_by"  # URL (+ unit)
CHURN_DRILL_PAGE = "churn_drill_page"
CHURN_MIN_RISK = "min_risk"  # URL
CHURN_COHORT_UNIT = "cohort_unit"  # URL
CHURN_MATRIX_NONCE = "churn_matrix_nonce"  # bumped after a cell click opens the list
CHURN_RISK_PAGE = "churn_risk_page"
CHURN_SURVIVAL_OVERALL = "survival_overall"  # URL; one Kaplan-Meier curve for everyone
CHURN_FALLING_PAGE = "churn_falling_page"  # the falling-credit list's page
ACTIONS_STATUS = "actions_status"  # URL: the Actions tab's list, open or done
ACTIONS_PAGE = "actions_page"
ACTIONS_CUSTOMER = "actions_customer"  # URL: the Actions tab's customer-id search
ACTION_NOTICE = "action_notice"  # confirmation shown once after an action is saved
ACTION_FORM = "action_form"  # + the warning (list) the new-action form belongs to
ACTION_OUTCOME_PICK = "action_outcome_pick"  # the open action the outcome form records
ACTION_OUTCOME_FORM = "action_outcome_form"
CASE_PICK = "case_pick"  # the complaint whose case panel is open (satisfaction page)
CASE_LIST_SELECTION = "case_list_selection"  # the complaint list's selected row
CASE_LAST_SELECTED = "case_last_selected"  # the row a selection last opened
CASE_STEP = "case_step"  # the case panel's next step: advance, escalate, …
CASE_FORM = "case_form"  # + the step
CASE_NOTICE = "case_notice"  # confirmation shown once after a case change
DQ_MESSAGE = "dq_message"  # a success message shown once after a run or a rule change
DQ_RULE_TABLE = "dq_rule_table"
DQ_FAILING_PAGE = "dq_failing_page"  # + rule id
DQ_SILO_PAGE = "dq_silo_page"  # + rule id
DQ_EDIT_THRESHOLD = "dq_edit_threshold"  # + rule id
DQ_ADD_CODE = "dq_add_code"
DQ_ADD_COLUMN = "dq_add_column"
DQ_ADD_PARAMS = "dq_add_params"
ADMIN_MESSAGE = "admin_message"  # shown once after a change
ADMIN_NEW_USERNAME = "admin_new_username"
ADMIN_NEW_NAME = "admin_new_name"
ADMIN_NEW_EMAIL = "admin_new_email"
ADMIN_NEW_PASSWORD = "admin_new_password"
ADMIN_CHOSEN_USER = "admin_chosen_user"
ADMIN_RESET_PASSWORD = "admin_reset_password"
IMPORT_MESSAGE = "import_message"
IMPORT_TABLE = "import_table"
IMPORT_MODE = "import_mode"  # + table
IMPORT_FILE = "import_file"  # + table
IMPORT_DATE_FORMAT = "import_date_format"  # the file's own date format, if not ISO
IMPORT_EXTRA = "import_extra"  # skip or keep the columns the customers table does not know
IMPORT_MAP_SAVED = "import_map_saved"  # + table: the saved column mapping loaded
IMPORT_MAP_PENDING = "import_map_pending"  # a mapping just saved: loaded on the next run
IMPORT_MAP_CELL = "import_map_cell"  # + table, header cell and what the choices start from
IMPORT_MAP_NAME = "import_map_name"  # + table: the name to save the mapping under
IMPORT_MAP_RELOAD = "import_map_reload"  # "load the latest version" of a mapping changed since
IMPORT_UNKNOWN_CODES = "import_unknown_codes"  # {table, file, codes}: a refused file's new codes
IMPORT_PROBLEMS = "import_problems"  # {table, file, report}: a refused file's problem report
IMPORT_PROBLEM_PAGE = "import_problem_page"
IMPORT_ADD_CODES = "import_add_codes"  # the "add these codes and import again" button
ADMIN_CODE_LIST = "admin_code_list"  # the code list shown on the Code lists tab
ADMIN_CODE_CHOSEN = "admin_code_chosen"  # + list: the code being edited
ADMIN_CODE_NEW = "admin_code_new"  # + list: the new code's code, English and Chinese label
ADMIN_CODE_NEW_EN = "admin_code_new_en"
ADMIN_CODE_NEW_ZH = "admin_code_new_zh"
LINK_MESSAGE = "link_message"  # shown once after a duplicate search, a decision or an undo
LINK_STATUS = "pairs"  # URL; which candidate pairs the duplicates tab lists
LINK_PAGE = "link_page"  # + status
LINK_TABLE = "link_table"  # + status and page: the pair list (its selection opens a pair)
LINK_THRESHOLD = "link_threshold"
LINK_UNDO = "link_undo"  # the merge picked for undo
LINK_PICKER = "link_picker"  # + status and page: "compare a pair" select box

# KRI management (register page, KRIs tab)
KRI_PICK = "kri_pick"  # the KRI whose versions and history are shown
KRI_DEFINE_FORM = "kri_define_form"  # + field: the new-KRI form's widgets
KRI_EDIT_FORM = "kri_edit_form"  # + KRI id and field: the edit form's widgets
KRI_RETIRE_CONFIRM = "kri_retire_confirm"  # + KRI id: "yes, retire it" tick box
KRI_NOTICE = "kri_notice"  # confirmation shown once after a KRI change

# incidents page
INCIDENT_PARAM = "incident"  # URL: the opened incident, by its id
INCIDENT_WHICH = "incidents"  # URL: the list shown, open | closed | all
INCIDENT_PICK = "incident_pick"  # "open an incident" select box
INCIDENT_STEP = "incident_step"  # + incident id: the next-step control
INCIDENT_FORM = "incident_form"  # + step: the step's form and its widgets
INCIDENT_METRIC = "incident_metric"  # + incident id: the recovery chart's metric
INCIDENT_NOTICE = "incident_notice"  # confirmation shown once after a change
INCIDENT_CREATED = "incident_created"  # (risk id, incident id) recorded from the register

# board pack (overview page)
PACK_SECTIONS = "pack_sections"
