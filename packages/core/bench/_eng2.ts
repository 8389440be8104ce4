import "./_heap";
await import("./_eng");
