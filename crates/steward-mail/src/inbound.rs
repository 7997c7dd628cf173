//! Messages in: parsing, threading keys, automatic-mail detection.
