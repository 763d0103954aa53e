"""Generated help-centre text in English and Chinese, for `seed-bulk` and the benchmarks.

Words are drawn from a Zipf-like distribution, as in real writing: a few words appear in most
articles and a long tail of rare ones (model numbers, part names) in a handful. That shape,
not the meaning, is what decides how fast a search index answers.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

ENGLISH_TEXT = """
order orders ordered ordering refund refunds refunded return returns returned returning
delivery deliveries delivered deliver shipment shipments shipping shipped ship package
packages parcel parcels tracking track tracked courier carrier address addresses account
accounts password passwords login sign email emails invoice invoices payment payments pay
paid card cards bank transfer charge charged charges fee fees price prices discount coupon
coupons voucher vouchers warranty warranties repair repairs repaired replace replacement
replacements exchange exchanges battery batteries charger chargers cable cables screen
screens display displays camera cameras speaker speakers headphones microphone keyboard
mouse printer printers ink toner scanner router routers modem network wifi bluetooth driver
drivers firmware software update updates updated install installed installing installation
uninstall setup settings setting configure configuration reset restart reboot power button
buttons light lights error errors fault faults problem problems issue issues fix fixed
fixing solve solved solution solutions help helpful support contact contacted agent agents
customer customers service services manual manuals guide guides step steps instruction
instructions question questions answer answers time times day days week weeks month months
hour hours minute minutes date dates schedule scheduled delay delayed delays late early fast
slow quick quickly soon today tomorrow yesterday weekend holiday holidays stock available
availability unavailable item items product products model models size sizes colour colours
weight weights box boxes label labels barcode receipt receipts proof purchase purchased
purchases buy bought store stores shop shops online website app mobile phone phones tablet
tablets laptop laptops computer computers device devices accessory accessories case cases
cover covers strap straps lens lenses memory storage disk drive file files photo photos
video videos music sound volume audio signal connection connected disconnect disconnected
pairing paired pair sync synced backup restore restored data privacy security secure safe
safety risk damage damaged broken crack cracked scratch scratched water dust heat hot cold
temperature clean cleaning cleaned wipe cloth open opened close closed lock locked unlock
unlocked key keys code codes number numbers pin verify verified verification confirm
confirmed confirmation cancel cancelled cancellation change changed changes edit edited
remove removed delete deleted add added new old first last next previous check checked
checking status state result results report reported reports form forms field fields page
pages link links click select choose chosen option options menu tab window view show shown
hide hidden list lists search searched find found missing lost stolen wrong right correct
incorrect invalid valid expire expired expiry renew renewed renewal subscription
subscriptions plan plans upgrade upgraded downgrade member members membership points reward
rewards gift gifts wrap wrapping note notes message messages notification notifications
alert alerts reminder reminders call calls phone chat live wait waiting queue region regions
country countries city cities customs duty duties tax taxes import export international
domestic local express standard economy overnight pickup collect collection locker lockers
door neighbour signature signed attempt attempts failed failure fail succeed success
successful exception exceptions hold held warehouse depot hub route routed transit arrive
arrived arrival estimate estimated expected window
"""
ENGLISH_WORDS = ENGLISH_TEXT.split()

# Rare words: product codes and part names that appear in few articles each.
RARE_PREFIXES = ["X", "Z", "Q", "K", "M", "P", "T", "V"]

CHINESE_TEXT = """
订单 退货 退款 换货 发货 配送 快递 物流 包裹 运单 签收 地址 账户 密码 登录
注册 邮箱 发票 付款 支付 银行卡 转账 费用 价格 优惠券 折扣 保修 维修 更换 电池
充电器 数据线 屏幕 显示屏 相机 耳机 麦克风 键盘 鼠标 打印机 墨盒 路由器 网络
无线 蓝牙 驱动 固件 软件 更新 安装 卸载 设置 配置 重置 重启 电源 按钮 指示灯
错误 故障 问题 解决 方法 帮助 客服 人工 联系 服务 说明书 指南 步骤 说明 时间
工作日 周末 节假日 延迟 预计 库存 商品 型号 尺寸 颜色 重量 包装 标签 条码 收据
凭证 购买 门店 网站 手机 平板 笔记本 电脑 设备 配件 保护壳 内存 存储 文件 照片
视频 声音 音量 信号 连接 断开 配对 同步 备份 恢复 数据 隐私 安全 损坏 破损
划痕 进水 清洁 打开 关闭 锁定 解锁 验证码 确认 取消 修改 删除 添加 检查 状态
结果 报告 表格 页面 链接 点击 选择 选项 菜单 查看 显示 隐藏 列表 搜索 查找
丢失 正确 无效 过期 续订 订阅 套餐 升级 会员 积分 奖励 礼品 消息 通知 提醒
电话 在线 等待 排队 地区 国家 城市 海关 关税 进口 出口 国际 国内 快速 标准
自提 快递柜 签名 尝试 失败 成功 异常 仓库 中转 运输 到达 预计送达 手续 如何
办理 申请 流程 需要 可以 我们 您的 请 已经 如果 因为 所以 但是 或者 以及 之后
"""
CHINESE_WORDS = CHINESE_TEXT.split()

ENGLISH_GLUE = ["the", "a", "to", "and", "of", "in", "for", "your", "is", "it", "you", "on"]
CHINESE_GLUE = ["的", "了", "在", "是", "和", "与", "后", "时", "中"]


def _zipf_weights(count: int, exponent: float = 0.9, scale: float = 1.0) -> list[float]:
    return [scale / (rank**exponent) for rank in range(1, count + 1)]


@dataclass(frozen=True)
class SampleArticle:
    title: str
    paragraphs: list[str]
    chinese: bool


class SampleWriter:
    """Deterministic article generator: the same seed writes the same corpus."""

    def __init__(self, seed: int = 42, rare_words: int = 20_000) -> None:
        self.rng = random.Random(seed)
        rare = [
            f"{self.rng.choice(RARE_PREFIXES)}{number}" for number in range(100, 100 + rare_words)
        ]
        english = list(ENGLISH_WORDS)
        self.rng.shuffle(english)
        chinese = list(CHINESE_WORDS)
        self.rng.shuffle(chinese)
        self.english = english + rare
        # The tail of codes carries about a twentieth of the words, like names in a manual.
        weights = _zipf_weights(len(english)) + _zipf_weights(len(rare), 0.8, 0.004)
        self.english_cumulative = list(itertools.accumulate(weights))
        self.chinese = chinese
        self.chinese_cumulative = list(itertools.accumulate(_zipf_weights(len(chinese))))

    def _english_words(self, count: int) -> list[str]:
        words = self.rng.choices(self.english, cum_weights=self.english_cumulative, k=count)
        glue = self.rng.choices(ENGLISH_GLUE, k=count // 3)
        for index, word in zip(
            self.rng.sample(range(count), len(glue)), glue, strict=True
        ):  # sprinkle stop words, as real sentences have them
            words[index] = word
        return words

    def _chinese_words(self, count: int) -> list[str]:
        words = self.rng.choices(self.chinese, cum_weights=self.chinese_cumulative, k=count)
        for index in self.rng.sample(range(count), count // 4):
            words[index] += self.rng.choice(CHINESE_GLUE)
        return words

    def _sentence(self, chinese: bool) -> str:
        if chinese:
            words = self._chinese_words(self.rng.randint(6, 16))
            # Chinese help text mixes in English product names and codes.
            if self.rng.random() < 0.4:
                words.insert(self.rng.randrange(len(words)), f" {self._english_words(1)[0]} ")
            return "".join(words) + "。"
        words = self._english_words(self.rng.randint(7, 18))
        return " ".join(words).capitalize() + "."

    def article(self) -> SampleArticle:
        chinese = self.rng.random() < 0.4
        if chinese:
            title = "".join(self._chinese_words(self.rng.randint(3, 6)))
        else:
            title = " ".join(self._english_words(self.rng.randint(3, 8))).capitalize()
        paragraphs = [
            " ".join(self._sentence(chinese) for _ in range(self.rng.randint(2, 6)))
            for _ in range(self.rng.randint(3, 8))
        ]
        return SampleArticle(title=title, paragraphs=paragraphs, chinese=chinese)

    def articles(self, count: int) -> Iterator[SampleArticle]:
        for _ in range(count):
            yield self.article()
