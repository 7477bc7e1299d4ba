"""Every session-state key the app uses, declared once."""

LANGUAGE = "ui_language"
LOGIN_MESSAGE = "login_message"  # (translation key, args) of the last refused login
COOKIE_PENDING = "login_cookie_pending"  # set after a password login, cleared once written
COOKIE_DELETE_PENDING = "logout_cookie_pending"  # set on logout, cleared once deleted
# Keys streamlit-authenticator owns; listed here so logout can clear them.
AUTH_STATUS = "authentication_status"
AUTH_USERNAME = "username"
FILTER_PREFIX = "flt_"
FILTERS = "filters"  # the Filters dataclass the sidebar produced on this run
FILTERS_FROM_URL = "filters_from_url"  # set once the URL's filters were applied to the widgets
# risk register page
REGISTER_MATRIX = "register_matrix"
REGISTER_MATRIX_KIND = "register_matrix_kind"
REGISTER_TABLE = "register_table"
REGISTER_SELECTED = "register_selected_risk"
REGISTER_PICKER = "register_picker"  # "open a risk" select box
REGISTER_CLOSED = "register_include_closed"
REGISTER_CATEGORIES = "register_categories"
REGISTER_LEVELS = "register_levels"
REGISTER_STATUSES = "register_statuses"
REGISTER_FLAGS = "register_flags"
REGISTER_NOTICE = "register_notice"  # confirmation shown after a successful save
# satisfaction page
SAT_FOCUS_PARAM = "focus"  # URL query parameter holding the page's segment focus
SAT_BREAKDOWN_DIM = "sat_breakdown_dimension"
SAT_BREAKDOWN_METRIC = "sat_breakdown_metric"
SAT_BREAKDOWN_CHART = "sat_breakdown_chart"  # + a counter, so a used selection is not replayed
SAT_CHART_NONCE = "sat_breakdown_nonce"
SAT_WARNING_TABLE = "sat_warning_table"
SAT_SCATTER_DIM = "sat_scatter_dimension"
SAT_LIST_CATEGORY = "sat_list_category"
SAT_LIST_SEVERITY = "sat_list_severity"
SAT_LIST_STATUS = "sat_list_status"
SAT_LIST_PAGE = "sat_list_page"
SAT_VOLUME_NONCE = "sat_volume_nonce"  # bumped after a volume-chart click opens the list
CHURN_SPLIT = "churn_split"
CHURN_MATRIX_KIND = "churn_matrix_kind"
CHURN_DRILL_COHORT = "churn_drill_cohort"
CHURN_DRILL_WHICH = "churn_drill_which"
CHURN_DRILL_PAGE = "churn_drill_page"
CHURN_MIN_RISK = "churn_min_risk"
CHURN_COHORT_UNIT = "churn_cohort_unit"
CHURN_MATRIX_NONCE = "churn_matrix_nonce"  # bumped after a cell click opens the list
CHURN_RISK_PAGE = "churn_risk_page"
DQ_MESSAGE = "dq_message"  # a success message shown once after a run or a rule change
DQ_RULE_TABLE = "dq_rule_table"
DQ_FAILING_PAGE = "dq_failing_page"  # + rule id
DQ_SILO_PAGE = "dq_silo_page"  # + rule id
DQ_EDIT_THRESHOLD = "dq_edit_threshold"  # + rule id
DQ_ADD_CODE = "dq_add_code"
DQ_ADD_COLUMN = "dq_add_column"
DQ_ADD_PARAMS = "dq_add_params"
