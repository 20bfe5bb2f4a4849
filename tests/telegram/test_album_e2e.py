"""An asynchronous image with several pictures, through the real PTB and the fake Bot API:
one album (one sendMediaGroup) replying to the command, the caption on its first picture."""

from __future__ import annotations

from tests.media import is_png

MODEL = "302ai-flux-v1.1-ultra-t2i"  # drawn through 302.AI's asynchronous interface


async def test_several_pictures_arrive_as_one_album_replying_to_the_command(start_bot, fake_api, ann, ann_chat,
                                                                           simulator):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, f"/image --model={MODEL} three owls [sim:images=3]")

    [album] = await fake_api.wait_until(lambda: fake_api.albums(ann_chat["id"]))
    await bot.core.wait_idle()

    assert len(fake_api.sent("sendMediaGroup")) == 1 and not fake_api.sent("sendPhoto")
    assert len(album) == 3 and all(m["reply_to_message"]["message_id"] == command["message_id"] for m in album)
    assert album[0]["caption"].startswith("three owls") and all("caption" not in m for m in album[1:])
    pictures = [fake_api.file_bytes(m["photo"][-1]["file_id"]) for m in album]
    assert all(is_png(p) for p in pictures) and len(set(pictures)) == 3
    assert simulator.images.creates == 1 and len(simulator.billed) == 1
    status = fake_api.replies_to(command)[0]
    await fake_api.wait_until(lambda: "Done" in fake_api.versions(status)[-1])  # the status message says so


async def test_one_picture_of_the_async_interface_is_still_one_photo(start_bot, fake_api, ann, ann_chat, simulator):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, f"/image --model={MODEL} one owl")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()

    assert "media_group_id" not in photo and not fake_api.sent("sendMediaGroup")
    assert photo["reply_markup"]  # a single photo keeps its buttons
    assert simulator.images.creates == 1


async def test_an_album_refused_as_photos_is_sent_once_more_as_files(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot()
    fake_api.fail_next("sendMediaGroup", description="Bad Request: PHOTO_INVALID_DIMENSIONS")
    await fake_api.send_text(ann, ann_chat, f"/image --model={MODEL} two owls [sim:images=2]")

    [album] = await fake_api.wait_until(lambda: fake_api.albums(ann_chat["id"]))
    await bot.core.wait_idle()

    assert len(album) == 2 and all("document" in m for m in album)
    assert len(fake_api.albums(ann_chat["id"])) == 1  # the refused try posted nothing


async def test_fetching_a_job_of_several_pictures_again_posts_them_as_one_album(start_bot, fake_api, ann, ann_chat,
                                                                               simulator):
    bot = await start_bot()
    await fake_api.send_text(ann, ann_chat, f"/image --model={MODEL} two owls [sim:images=2]")
    await fake_api.wait_until(lambda: fake_api.albums(ann_chat["id"]))
    await bot.core.wait_idle()
    ask = await fake_api.send_text(ann, ann_chat, "/jobs")
    listing = await fake_api.wait_until(lambda: fake_api.reply_with(ask, "text"))

    [fetch] = [b["callback_data"] for row in listing["reply_markup"]["inline_keyboard"] for b in row]
    await fake_api.press(ann, listing, fetch)
    albums = await fake_api.wait_until(lambda: len(fake_api.albums(ann_chat["id"])) == 2 and
                                       fake_api.albums(ann_chat["id"]))

    again = albums[1]
    assert len(again) == 2 and all(m["reply_to_message"]["message_id"] == listing["message_id"] for m in again)
    assert simulator.images.creates == 1  # fetched again, not made again
