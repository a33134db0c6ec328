# ruff: noqa: RUF001  (Chinese text is written with full-width punctuation)
"""The demo worlds `seed_demo --profile` builds: who the bank's customers and staff are.

`default` is the international world (US, UK and some Chinese customers, several
currencies). `cn` is a Chinese card issuer's: customers with Chinese names and addresses in
mainland cities, mainland mobile numbers, every account in CNY under the CN-bank policy, and
staff who read the interface in Simplified Chinese.

Mainland numbers are drawn from the 138 0013 / 139 0013 … 0000-9999 blocks commonly used as
examples; e-mail addresses stay on the reserved example.* domains.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo import reference
from demo.reference import AgencyProfile, Place, ascii_fold

CN_PORTFOLIO = "China consumer"
CN_POLICY = "CN-bank"
# What a staff member's profile says when they read the interface in Simplified Chinese.
CN_STAFF_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class WorldProfile:
    """Everything that differs between two demo worlds; the history's shape does not."""

    code: str
    team_names: tuple[str, ...]
    team_zones: tuple[str, ...]
    head_office_zone: str  # the admin's and the compliance officer's
    agencies: tuple[AgencyProfile, ...]
    agency_licence_prefix: str
    agency_phone_prefix: str  # followed by two random digits
    staff_first_names: tuple[str, ...]
    staff_last_names: tuple[str, ...]
    staff_language: str  # "" keeps the browser's language
    languages: tuple[str, ...]
    language_weights: tuple[int, ...]
    first_names: dict[str, tuple[str, ...]]
    last_names: dict[str, tuple[str, ...]]
    places: tuple[Place, ...]
    place_weights: dict[str, tuple[int, ...]]
    streets: tuple[str, ...]
    products: tuple[tuple[str, int, int, int], ...]  # name, weight, credit limit range
    third_party_relationships: tuple[str, ...]
    vulnerability_notes: tuple[str, ...]
    vulnerability_review_note: str  # a collector's note before contacting a vulnerable debtor
    call_notes: dict[str, tuple[str, ...]]
    suppression_notes: dict[str, str]
    counsel_phone_prefix: str  # followed by two random digits
    romanised: dict[str, str]  # a name's letters for e-mail addresses
    portfolio_policy: str = ""  # the compliance policy of the world's portfolio, if any

    @property
    def chinese(self) -> bool:
        return self.code == "cn"

    def staff_name(self, rng: random.Random) -> tuple[str, str]:
        """(first_name, last_name) of a staff member; a Chinese name is written whole,
        family name first, in first_name (so that get_full_name reads it right)."""
        first, last = rng.choice(self.staff_first_names), rng.choice(self.staff_last_names)
        return (f"{last}{first}", "") if self.chinese else (first, last)

    def full_name(self, first: str, last: str, language: str, place: Place) -> str:
        if self.chinese:
            return f"{last}{first}"
        family_first = language == "zh" and place.zone == "Asia/Shanghai"
        return f"{last} {first}" if family_first else f"{first} {last}"

    def law_firm(self, rng: random.Random) -> tuple[str, str]:
        """(name, the letters of its e-mail domain) of a debtor's lawyers."""
        if self.chinese:
            name = rng.choice(CN_LAW_FIRMS)
            return f"{name[0]}律师事务所", name[1]
        first, second = rng.choice(self.last_names["en"]), rng.choice(self.last_names["en"])
        return f"{first} & {second} LLP", self.romanised[first]

    def executor(self, rng: random.Random, last: str) -> str:
        if self.chinese:
            return f"{last}{rng.choice(self.first_names['zh'])}（遗产管理人）"
        return f"{rng.choice(self.first_names['en'])} {last} (executor)"

    def third_party_name(self, rng: random.Random) -> str:
        if self.chinese:
            first = rng.choice(self.first_names["zh"])
            return f"{rng.choice(self.last_names['zh'])}{first}"
        return f"{rng.choice(self.first_names['en'])} {rng.choice(self.last_names['en'])}"

    def address(self, rng: random.Random, place: Place) -> str:
        if self.chinese:
            return f"{place.city_line}{rng.choice(self.streets)}{rng.randint(1, 999)}号"
        return f"{rng.randint(1, 9999)} {rng.choice(self.streets)}, {place.city_line}"

    def currency(self, rng: random.Random, portfolio: str) -> str:
        if self.chinese:
            return "CNY"
        if portfolio == reference.UK and rng.random() < 0.7:
            return "GBP"
        if portfolio not in (reference.US, reference.UK) and rng.random() < 0.3:
            return "CNY"
        return "USD"

    def agency_slug(self, agency: AgencyProfile) -> str:
        return agency.slug or agency.name.split()[0].lower()


def _romanised(*pools: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {
        name: ascii_fold(name).replace(" ", "")
        for pool in pools
        for names in pool.values()
        for name in names
    }


DEFAULT = WorldProfile(
    code="default",
    team_names=reference.TEAM_NAMES,
    team_zones=reference.TEAM_ZONES,
    head_office_zone="America/New_York",
    agencies=reference.AGENCIES,
    agency_licence_prefix="CDCA-",
    agency_phone_prefix="+1 800 555 01",
    staff_first_names=reference.FIRST_NAMES["en"],
    staff_last_names=reference.LAST_NAMES["en"],
    staff_language="",
    languages=reference.LANGUAGES,
    language_weights=reference.LANGUAGE_WEIGHTS,
    first_names=reference.FIRST_NAMES,
    last_names=reference.LAST_NAMES,
    places=reference.PLACES,
    place_weights=reference.PLACE_WEIGHTS,
    streets=reference.STREETS,
    products=reference.PRODUCTS,
    third_party_relationships=reference.THIRD_PARTY_RELATIONSHIPS,
    vulnerability_notes=reference.VULNERABILITY_NOTES,
    vulnerability_review_note="Vulnerability flag reviewed before contact.",
    call_notes=reference.CALL_NOTES,
    suppression_notes=reference.SUPPRESSION_NOTES,
    counsel_phone_prefix="+1 800 555 01",
    romanised=_romanised(reference.FIRST_NAMES, reference.LAST_NAMES),
)

# --- A Chinese bank's world --------------------------------------------------------------------

# (汉字, pinyin): the pinyin only makes e-mail addresses.
CN_GIVEN_NAMES = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("丽", "li"),
    ("军", "jun"),
    ("艳", "yan"),
    ("浩", "hao"),
    ("秀英", "xiuying"),
    ("勇", "yong"),
    ("霞", "xia"),
    ("强", "qiang"),
    ("慧", "hui"),
    ("涛", "tao"),
    ("玲", "ling"),
    ("明", "ming"),
    ("娜", "na"),
    ("杰", "jie"),
    ("婷", "ting"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("海燕", "haiyan"),
    ("晓东", "xiaodong"),
    ("文博", "wenbo"),
    ("雨涵", "yuhan"),
    ("子轩", "zixuan"),
    ("桂英", "guiying"),
)
CN_FAMILY_NAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("高", "gao"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("彭", "peng"),
)
CN_LAW_FIRMS = (
    ("金诚", "jincheng"),
    ("正和", "zhenghe"),
    ("德衡", "deheng"),
    ("明理", "mingli"),
    ("信达", "xinda"),
)
# Mainland cities: China keeps one time zone (Asia/Shanghai); Xinjiang's local time
# (Asia/Urumqi) is used by part of its people.
CN_PLACES = (
    Place("Asia/Shanghai", "+86 138 0013 ", "上海市浦东新区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 139 0013 ", "上海市徐汇区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 138 0010 ", "北京市朝阳区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 139 0010 ", "北京市海淀区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 137 0020 ", "广东省广州市天河区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 136 0075 ", "广东省深圳市南山区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 135 0571 ", "浙江省杭州市西湖区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 158 0028 ", "四川省成都市武侯区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 159 0027 ", "湖北省武汉市江汉区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 186 0025 ", "江苏省南京市鼓楼区", CN_PORTFOLIO),
    Place("Asia/Shanghai", "+86 187 0029 ", "陕西省西安市雁塔区", CN_PORTFOLIO),
    Place("Asia/Urumqi", "+86 189 0991 ", "新疆维吾尔自治区乌鲁木齐市天山区", CN_PORTFOLIO),
)
CN_STREETS = (
    "世纪大道",
    "南京路",
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "长安街",
    "天府大道",
    "滨江路",
    "文化路",
    "新华路",
)
CN_TEAM_NAMES = (
    "催收一组",
    "催收二组",
    "催收三组",
    "催收四组",
    "催收五组",
    "催收六组",
    "催收七组",
    "催收八组",
)
CN_AGENCIES = (
    AgencyProfile("华信资产管理有限公司", "陈建华", "Asia/Shanghai", 5, "huaxin"),
    AgencyProfile("中诚信息咨询服务有限公司", "刘海燕", "Asia/Shanghai", 4, "zhongcheng"),
    AgencyProfile("恒通商务服务有限公司", "王志强", "Asia/Shanghai", 3, "hengtong"),
    AgencyProfile("瑞丰企业管理咨询有限公司", "赵晓东", "Asia/Shanghai", 3, "ruifeng"),
    AgencyProfile("天元信用管理有限公司", "周文博", "Asia/Urumqi", 2, "tianyuan"),
)
CN_FIRST = {"zh": tuple(name for name, _ in CN_GIVEN_NAMES)}
CN_LAST = {"zh": tuple(name for name, _ in CN_FAMILY_NAMES)}

CN = WorldProfile(
    code="cn",
    team_names=CN_TEAM_NAMES,
    team_zones=("Asia/Shanghai",) * len(CN_TEAM_NAMES),
    head_office_zone="Asia/Shanghai",
    agencies=CN_AGENCIES,
    agency_licence_prefix="委外-",
    agency_phone_prefix="+86 400 800 00",
    staff_first_names=CN_FIRST["zh"],
    staff_last_names=CN_LAST["zh"],
    staff_language=CN_STAFF_LANGUAGE,
    languages=("zh",),
    language_weights=(1,),
    first_names=CN_FIRST,
    last_names=CN_LAST,
    places=CN_PLACES,
    place_weights={"zh": (14, 8, 14, 8, 10, 10, 8, 8, 7, 6, 5, 2)},
    streets=CN_STREETS,
    products=(
        # name, weight, credit limit range in whole yuan (step 500)
        ("普卡", 55, 5000, 30000),
        ("金卡", 30, 20000, 80000),
        ("白金卡", 12, 50000, 200000),
        ("商务卡", 3, 30000, 300000),
    ),
    third_party_relationships=("紧急联系人", "配偶", "父母", "兄弟姐妹", "担保人", "工作单位"),
    vulnerability_notes=(
        "近期家中有丧事；约定仅在下午联系。",
        "告知身患重病；请先以书面方式联系。",
        "听力障碍：偏好信函和电子邮件。",
        "上季度失业；已转介困难客户帮扶方案。",
        "告知有心理健康问题；由专门的催收员处理。",
        "需照顾家人；可联系时间有限。",
    ),
    vulnerability_review_note="联系前已复核弱势客户标记。",
    call_notes={
        "rpc": (
            "已与持卡人本人通话，说明了逾期情况。",
            "持卡人知晓欠款金额，将核对自身财务状况。",
            "持卡人要求重新寄送对账单。",
        ),
        "promise": (
            "持卡人承诺还款。",
            "持卡人同意分期还款。",
            "持卡人表示发薪日还款。",
        ),
        "refused": (
            "持卡人目前拒绝还款。",
            "持卡人表示无力还款。",
        ),
        "callback": (
            "持卡人要求稍后回电。",
            "持卡人正在开车，要求预约回电。",
        ),
        "third_party": ("与家属通话，请其转告回电。",),
        "dispute": ("持卡人对滞纳金有异议；已寄送异议申请表。",),
        "wrong_number": ("该号码不属于持卡人。",),
    },
    suppression_notes={
        "attorney": "持卡人已委托律师：只能通过律师联系。",
        "bankrupt": "收到破产通知：已停止催收。",
        "deceased": "持卡人已身故：与遗产管理人联系。",
        "cease": "收到书面停止联系申请。",
        "dispute": "收到异议：核实期间暂停催收。",
    },
    counsel_phone_prefix="+86 21 6888 01",
    romanised={
        **dict(CN_GIVEN_NAMES),
        **dict(CN_FAMILY_NAMES),
    },
    portfolio_policy=CN_POLICY,
)

PROFILES = {profile.code: profile for profile in (DEFAULT, CN)}
