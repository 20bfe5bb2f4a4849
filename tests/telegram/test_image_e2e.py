"""/image from command to photo, through the real PTB and the fake Bot API."""

from __future__ import annotations

from tests.media import is_png


def photo_reply(fake_api, command):
    return next((m for m in fake_api.replies_to(command) if "photo" in m), None)


async def test_image_command_is_acknowledged_then_answered_with_the_photo(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")

    photo = await fake_api.wait_until(lambda: photo_reply(fake_api, command))

    status = fake_api.replies_to(command)[0]
    acknowledgement = fake_api.versions(status)[0]
    assert "Queued your image with minimaxi-image-01" in acknowledgement
    assert "costs 1 credit" in acknowledgement and "49 credits left" in acknowledgement
    assert photo["caption"].startswith("a cat")
    assert is_png(fake_api.file_bytes(photo["photo"][-1]["file_id"]))
    await bot.core.wait_idle()
