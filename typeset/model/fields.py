"""The printed fields of a record: which font role sets each, and what a designer calls it."""

# Which role sets which field of a record: the planner composes with it, preflight checks it. A
# 主题 is checked in 黑体: the planner sets one in 标宋 only when that face has all its characters.
FIELD_ROLES = {"kicker": "heiti", "title": "heiti", "subtitle": "heiti", "dateline": "heiti",
               "paragraphs": "shusong", "byline": "kaiti", "caption": "kaiti", "credit": "kaiti"}
FIELD_NAMES = {"kicker": "引题", "title": "主题", "subtitle": "副题", "dateline": "电头",
               "paragraphs": "正文", "byline": "署名", "caption": "图片说明", "credit": "摄影署名",
               "section": "版名", "paper": "报名", "editor": "责任编辑", "designer": "美编",
               "proofreader": "校对"}
