"""The demo knowledge base: four categories and thirteen articles in English and Chinese.

They cover the examples the product promises: 退货 finds 如何办理退货手续, "refunds" finds
"refund", tracking finds help for `exception` and `attempt_failed`, and one draft stays hidden.
"""

from __future__ import annotations

DEMO_CATEGORIES = [
    (
        "returns",
        "Orders and returns · 订单与退货",
        "Changing an order, returning an item, and refunds. 修改订单、退货和退款。",
    ),
    (
        "shipping",
        "Shipping and delivery · 物流配送",
        "Tracking, delivery attempts and what to do when a parcel is held up. "
        "查询物流、派送与异常处理。",
    ),
    (
        "account",
        "Account and security · 账户与安全",
        "Signing in, passwords and your contact details. 登录、密码与联系方式。",
    ),
    (
        "products",
        "Products and drivers · 产品与驱动",
        "Setting up devices, drivers, firmware and warranty repairs. 设备设置、驱动、固件与保修。",
    ),
]

# (slug, category, tags, title, body); the last entry stays a draft.
DEMO_ARTICLES: list[tuple[str, str, list[str], str, str]] = [
    (
        "return-an-item",
        "returns",
        ["returns", "refund"],
        "How do I return an item?",
        """You can return most items within **30 days** of delivery.

## Start a return

1. Open **Your orders** and choose the order.
2. Select the item and the reason for the return.
3. Print the prepaid label and attach it to the parcel.

## Pack the item

Use the original box when you can, and include all accessories and manuals.

## After we receive it

We check the item within two working days and then issue your refund to the original
payment method. See [When will I get my refund?](/kb/articles/when-will-i-get-my-refund).
""",
    ),
    (
        "如何办理退货",
        "returns",
        ["returns", "退货"],
        "如何办理退货手续",
        """本文说明如何办理退货手续。收到商品后 **30 天内** 可以申请退货。

## 申请退货

1. 登录后打开“我的订单”，选择需要退货的订单。
2. 选择商品和退货原因，提交申请。
3. 打印预付运单，贴在包裹外面。

## 包装要求

请尽量使用原包装，并放入全部配件和说明书。

## 退款

仓库收到退货并检查后，两个工作日内办理退款，款项原路退回。
""",
    ),
    (
        "when-will-i-get-my-refund",
        "returns",
        ["refund", "payment"],
        "When will I get my refund?",
        """Once the returned item has been checked, we send the refund the same day.

| Payment method | Time to arrive |
| --- | --- |
| Credit or debit card | 3–5 working days |
| Bank transfer | 1–2 working days |
| Gift card | immediately |

If your refund has not arrived after these times, contact us with your order number.
""",
    ),
    (
        "退款多久到账",
        "returns",
        ["refund", "退款"],
        "退款多久到账？",
        """退货检查完成后，我们会在当天发起退款。

- 信用卡或借记卡：3–5 个工作日
- 银行转账：1–2 个工作日
- 礼品卡：立即到账

如超过以上时间仍未收到退款，请带上订单号联系客服。
""",
    ),
    (
        "shipment-exception",
        "shipping",
        ["exception", "delivery"],
        "What to do when a shipment has a problem",
        """A shipment shows **Exception** when the carrier cannot move it as planned: a damaged
label, an address it cannot find, customs paperwork, or bad weather.

## What you can do

- Check the address on your order; correct it from your account if it is wrong.
- Wait one working day: most exceptions clear by themselves.
- If the status has not changed after two working days, contact support with your
  tracking number and we will open a case with the carrier.
""",
    ),
    (
        "delivery-attempt-failed",
        "shipping",
        ["attempt_failed", "delivery"],
        "A delivery attempt failed: what now?",
        """When nobody could take the parcel, the courier leaves a note and tries again on the next
working day. After **three failed attempts** the parcel goes to the nearest pickup point.

## Arrange a new delivery

1. Open the tracking page of your shipment.
2. Choose a new day, a neighbour, or a parcel locker.

Parcels not collected within 7 days are returned to us and refunded.
""",
    ),
    (
        "包裹派送失败怎么办",
        "shipping",
        ["attempt_failed", "派送"],
        "包裹派送失败怎么办？",
        """快递员派送时无人签收，会留下通知并在下一个工作日再次派送。**三次派送失败**后，
包裹会送到附近的自提点或快递柜。

请在物流页面选择新的派送时间，或改为邻居代收、快递柜自取。超过 7 天未取的包裹将退回并退款。
""",
    ),
    (
        "track-your-shipment",
        "shipping",
        ["tracking", "delivery"],
        "Tracking your shipment",
        """Every shipment has a tracking number in your order confirmation email.

Enter it on the **Track a shipment** page to see where the parcel is. You can add up to
three more people to be alerted by email when it ships, has a problem, is out for delivery,
or is delivered.
""",
    ),
    (
        "reset-your-password",
        "account",
        ["password", "login"],
        "Resetting your password",
        """Forgot your password? Choose **Forgot your password?** on the login page and enter your
email address. We send a link that works for one hour.

For your security, changing your password signs you out on every other device.
""",
    ),
    (
        "修改账户邮箱",
        "account",
        ["account", "email"],
        "如何修改账户的邮箱地址",
        """登录后打开“账户” → “个人资料”，即可修改显示名称、时区和语言。

如需更换登录邮箱，请联系客服并提供订单号，以便我们核实您的身份。
""",
    ),
    (
        "install-the-printer-driver",
        "products",
        ["driver", "printer"],
        "Installing the printer driver",
        """Download the driver below and run the installer. On macOS, open the downloaded file and
drag the printer utility to **Applications**.

```
sudo ./install-driver.sh --model P200
```

If the printer is not found, restart it and make sure it is on the same Wi-Fi network as
your computer.
""",
    ),
    (
        "warranty-and-repairs",
        "products",
        ["warranty", "repair"],
        "Warranty and repairs",
        """Every device comes with a **two-year warranty** against manufacturing faults.

## What the warranty covers

- Faults in materials and workmanship
- Batteries that hold less than 80% of their charge within the first year

## What it does not cover

- Accidental damage, such as a cracked screen or water damage
- Wear and tear, such as scratches on the case

## How to request a repair

1. Find your proof of purchase.
2. Describe the fault and attach photos.
3. We send a prepaid box; repairs take about 7 working days.

## Repairs after the warranty

We still repair most devices at a fixed price; ask support for a quote.
""",
    ),
    (
        "holiday-shipping-schedule",
        "shipping",
        ["delivery"],
        "Holiday shipping schedule",
        """Draft: cut-off dates for orders placed before the holidays (to be confirmed).
""",
    ),
]

DRIVER_NOTES = b"""P200 printer driver 4.2 - release notes

- Faster first print after wake-up
- Fixes paper-size detection for A5
"""
