"""khaosat — điều tra dư luận xã hội từ bảng hỏi đến báo cáo."""

__version__ = "0.1.0"
