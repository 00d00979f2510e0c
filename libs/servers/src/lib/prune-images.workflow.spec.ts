import { parseImagePrune } from './prune-images.workflow';

describe('parseImagePrune', () => {
  it('counts the deleted image ids (not the untagged references) and reads the reclaimed space', () => {
    const stdout = [
      'Deleted Images:',
      'untagged: app@sha256:1111',
      'deleted: sha256:aaaa',
      'deleted: sha256:bbbb',
      '',
      'Total reclaimed space: 12.5MB',
    ].join('\n');
    expect(parseImagePrune(stdout)).toEqual({ deletedImages: 2, reclaimed: '12.5MB' });
  });

  it('nothing to prune: 0 images, 0B', () => {
    expect(parseImagePrune('Total reclaimed space: 0B\n')).toEqual({ deletedImages: 0, reclaimed: '0B' });
    expect(parseImagePrune('')).toEqual({ deletedImages: 0, reclaimed: '0B' });
  });
});
