#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ainsim_fuzz::mtp3(data));
