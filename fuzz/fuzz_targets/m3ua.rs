#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ainsim_fuzz::m3ua(data));
