"""The roster's columns, limits and messages, and the values passed between its parts."""

from dataclasses import dataclass
from typing import NamedTuple

from portal import pii

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB
MAX_ROWS = 20_000


class RosterMessage:
    """What the user is told: the values are the Chinese sentences."""

    EMPTY_FILE = "文件为空，请选择填好的名单文件"
    TOO_LARGE = "文件超过 {limit} MB，请删除多余内容或拆分后分批上传"
    UNSUPPORTED = "请上传 .xlsx、.xls 或 .ods 格式的表格文件"
    MACROS = "不接受含宏的工作簿，请在 Excel 中另存为“Excel 工作簿（.xlsx）”后重新上传"
    ENCRYPTED = "文件已加密，请取消密码保护后重新上传"
    ENCRYPTED_OR_CORRUPT = "文件已加密或已损坏，无法读取；请取消密码保护或重新保存后上传"
    CORRUPT = "文件已损坏，无法读取；请用 Excel 或 WPS 打开并另存为 .xlsx 后重新上传"
    BOMB = "文件解压后过大或压缩比异常，已拒绝处理"
    XML_DECLARATIONS = "文件包含不允许的 XML 声明（DOCTYPE 或 ENTITY），已拒绝处理"
    GRID_TOO_BIG = "表格的使用范围过大，请删除名单以外的行和列（或把名单复制到新文件）后重新上传"
    EMPTY_SHEET = "第一个工作表是空的，请把名单填写在第一个工作表中"
    MISSING_COLUMNS = "表头缺少以下列：{columns}；请使用下载的名单模板填写"
    TOO_MANY_ROWS = "名单超过 {limit} 行，请拆分后分批上传"
    NO_DATA = "名单中没有人员，请在表头下方逐行填写"
    # Cell problems, shown as 第N行「列名」….
    REQUIRED = pii.IdNumberError.EMPTY
    TOO_LONG = "不能超过 {limit} 个字"
    GENDER = "应为“男”或“女”"
    MOBILE = "应为 11 位手机号码"
    PARTY_STATUS = "应为以下之一：{choices}"
    DUPLICATE = "与第{row}行重复"
    CONTROL_CHARACTERS = "含有换行、控制字符或不可见的格式字符，请删除后重新填写"


class RosterFileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名"),
    Column("gender", "性别"),
    Column("id_number", "身份证号"),
    Column("mobile", "手机号码"),
    Column("department", "所在部门"),
    Column("post", "岗位/人员类别"),
    Column("party_status", "政治面貌"),
    Column("program", "培训班次"),
)
# As long as RosterEntry stores them.
MAX_LENGTHS = {"name": 50, "department": 100, "post": 100}
# A title above the table (“某某大学参训人员名单”) is skipped: the header is looked for this far.
HEADER_SEARCH_ROWS = 10
TEMPLATE_EXAMPLE_NAME = "张三（示例，请删除）"
TEMPLATE_EXAMPLE_ID = "11010519491231002X"


@dataclass(frozen=True, slots=True)
class RosterRow:
    row_number: int
    values: dict[str, str]
    numeric_id: bool = False


class CleanPerson(NamedTuple):
    """A person whose cells passed every check, as ``clean_rows`` and ``clean_each`` give them.

    A NamedTuple rather than a frozen dataclass: as immutable, but built ten thousand times in an
    import, where a frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field) costs
    four times as much.
    """

    row_number: int
    name: str
    gender: str
    id_number: str
    mobile: str
    department: str
    post: str
    party_status: str
    program_name: str
    area_known: bool


@dataclass(frozen=True, slots=True)
class CellError:
    row_number: int
    header: str
    message: str

    def __str__(self):
        return f"第{self.row_number}行「{self.header}」{self.message}"
