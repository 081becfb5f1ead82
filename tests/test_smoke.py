def test_me(testapp, admin):
    body = testapp.get("/api/v1/users/me", headers=admin.headers).json
    assert body["id"] == admin.id and body["role"] == "admin"
