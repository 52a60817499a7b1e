# One client: N sequential chat requests (unique prompts, so no cache hits) to the gateway at
# 127.0.0.1:PORT; prints the median, p90 and p99 latency. usage: PORT N TAG
import http.client, json, sys, time, statistics
port = int(sys.argv[1]); n = int(sys.argv[2]); tag = sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
lat = []
for i in range(n):
    body = json.dumps({"model": "fast", "messages": [{"role": "user", "content": f"say hi {tag} {i}"}]})
    t = time.perf_counter()
    c.request("POST", "/v1/chat/completions", body, {"content-type": "application/json", "authorization": "Bearer bench-key-1"})
    r = c.getresponse(); r.read()
    lat.append((time.perf_counter() - t) * 1000)
    assert r.status == 200, r.status
lat.sort()
print(f"{tag}: n={n} median {statistics.median(lat):.2f} ms p90 {lat[int(n*0.9)]:.2f} p99 {lat[int(n*0.99)]:.2f}")
