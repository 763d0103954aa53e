"""The demo forum: four categories (one for announcements) and topics in English and Chinese.

Posts name their authors by demo account email; one topic is solved with the staff answer
accepted, one waits for its first reply.
"""

from __future__ import annotations

# (slug, name, description, announcement_only)
DEMO_CATEGORIES = [
    (
        "announcements",
        "Announcements · 公告",
        "News from the Portico team. 来自团队的消息。",
        True,
    ),
    (
        "devices",
        "Devices and drivers · 设备与驱动",
        "Printers, headphones, firmware and drivers: ask and share what worked. "
        "打印机、耳机、固件和驱动。",
        False,
    ),
    (
        "orders",
        "Orders and returns · 订单与退货",
        "Returns, refunds and changing an order. 退货、退款和修改订单。",
        False,
    ),
    (
        "shipping",
        "Shipping and delivery · 物流配送",
        "Tracking, delivery attempts and parcels that are held up. 物流查询与派送。",
        False,
    ),
]

CUSTOMER = "customer@example.com"
VIP = "vip@example.com"
MANAGER = "manager@example.com"
ADMIN = "admin@example.com"


# Each topic: category, title, tags, pinned, [(author email, body)], index of the accepted
# reply (or None). The first post is the question.
DEMO_TOPICS: list[tuple[str, str, list[str], bool, list[tuple[str, str]], int | None]] = [
    (
        "announcements",
        "Welcome to the Portico community",
        ["welcome"],
        True,
        [
            (
                ADMIN,
                "Welcome! This is where customers help each other, and where our staff step "
                "in.\n\n- Search first: the **knowledge base** may already have the answer.\n"
                "- One question per topic, with a title that says what you need.\n"
                "- When a reply solves your problem, mark it as the answer: it helps the next "
                "person.\n\n欢迎来到社区！提问前请先搜索知识库。",
            ),
            (CUSTOMER, "Thanks, glad to be here!"),
        ],
        None,
    ),
    (
        "devices",
        "Printer driver fails to install on Windows 11",
        ["printer", "driver", "windows"],
        False,
        [
            (
                CUSTOMER,
                "I downloaded the P200 driver but the installer stops at 80% with "
                "*error 0x80070002*. I already restarted twice.\n\nHas anyone seen this?",
            ),
            (
                VIP,
                "Same here last month. Is the printer plugged in over USB while the installer "
                "runs? Mine only worked when it was unplugged.",
            ),
            (
                MANAGER,
                "Thanks for the details, @CaseyChen. Error 0x80070002 means an older driver "
                "is still registered:\n\n1. Unplug the printer.\n2. Open *Settings → "
                "Bluetooth & devices → Printers* and remove the P200.\n3. Run the installer "
                "again, and plug the printer in when it asks.\n\nThe knowledge-base article "
                "[Installing the printer driver](/kb/articles/install-the-printer-driver) has "
                "screenshots.",
            ),
            (CUSTOMER, "That was it: removing the old printer first fixed it. Thank you both!"),
        ],
        2,
    ),
    (
        "orders",
        "退货后多久能收到退款？",
        ["退款", "退货"],
        False,
        [
            (VIP, "我上周寄回了耳机，快递显示已签收，请问退款一般多久到账？"),
            (CUSTOMER, "我上次大概等了五个工作日，退回到原来的银行卡。"),
            (
                ADMIN,
                "仓库收到退货后两个工作日内检查，然后退款到原支付方式。银行卡通常还需要 3–5 "
                "个工作日。详情见知识库文章《退款多久到账？》。",
            ),
        ],
        None,
    ),
    (
        "shipping",
        "Can I change the delivery address after my order has shipped?",
        ["delivery", "address"],
        False,
        [
            (
                VIP,
                "My order left the warehouse this morning but I will be travelling. Can the "
                "courier deliver to my office instead?",
            ),
        ],
        None,
    ),
    (
        "devices",
        "蓝牙耳机连接不上手机怎么办",
        ["耳机", "蓝牙"],
        False,
        [
            (CUSTOMER, "新买的耳机在手机蓝牙列表里能看到，但是点连接总是失败。"),
            (VIP, "试试先在手机上“忽略此设备”，再长按耳机按钮 10 秒重置，然后重新配对。"),
        ],
        None,
    ),
]
