"""The printed fields of a record: which font role sets each, and what a designer calls it."""

# Which role sets which field of a record: the planner composes with it, preflight checks it. A
# 主题 is checked in 黑体: the planner sets one in 标宋 only when that face has all its characters.
FIELD_ROLES = {"kicker": "heiti", "title": "heiti", "subtitle": "heiti", "dateline": "heiti",
               "paragraphs": "shusong", "byline": "kaiti", "caption": "kaiti", "credit": "kaiti",
               "column": "heiti", "subhead": "heiti", "bold": "heiti", "comment": "kaiti"}
# What each kind of item is called (bookmarks, sidecar), and the kinds set in a box (page-design rule 9).
KIND_NAMES = {"article": "文章", "briefs": "简讯", "photo": "图片新闻", "comment": "短评"}
BOXED_KINDS = ("briefs", "comment")
FIELD_NAMES = {"kicker": "引题", "title": "主题", "subtitle": "副题", "dateline": "电头",
               "paragraphs": "正文", "byline": "署名", "caption": "图片说明", "credit": "摄影署名",
               "column": "栏目名", "subhead": "小标题", "bold": "加粗", "comment": "短评正文", "section": "版名", "paper": "报名", "editor": "责任编辑", "designer": "美编",
               "proofreader": "校对"}
